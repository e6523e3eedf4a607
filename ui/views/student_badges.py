"""A student's badges, as the student and their parents see them: the badges earned (newest
first) and the next ones within reach with what is still missing.

Embedded in the learner's dashboard (one per student shown: the student's own, or each child's;
``compact``: smaller tiles, the newest few) and in the Progress page's Badges tab (the child
chosen there). One background read (:func:`load_student_badges`): ``badges.student_badges`` plus
the pictures (the designs of the badges, the custom pictures of those that have one). An earned
badge is saved with "Save badge…" (or Enter / a double click on it) as a PNG or SVG baked with
its signed Open Badges credential; "Export all my badges…" writes them all into a zip
(:mod:`ui.views.badge_files`, off the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from tracker.domain.changes import ChangeKind
from tracker.domain.policy import Actor
from tracker.services import Services
from tracker.services.badges import AwardInfo, BadgeInfo, StudentBadges, WithinReach
from ui.context import AppContext
from ui.models.badges import award_tip
from ui.reload import Reloader
from ui.tasks import TaskState
from ui.views.badge_files import export_all, save_award
from ui.views.base import Refreshing
from ui.widgets.badge_picture import PICTURE, TILE_WIDTH, BadgeArt, BadgeTile, TileFace
from ui.widgets.badge_shelf import BadgeShelf
from ui.widgets.elided import ElidedLabel
from ui.widgets.style import day, set_style_flag, styled_label

COMPACT_EARNED = 6  # the dashboard shows the newest few; the Progress page all of them
COMPACT_PICTURE, COMPACT_WIDTH = 48, TILE_WIDTH


@dataclass(frozen=True)
class BadgesOfStudent:
    """One read: the student's badges, each badge's definition (for its picture and wording) and
    the custom pictures."""

    badges: StudentBadges
    definitions: dict[int, BadgeInfo] = field(default_factory=dict)
    images: dict[int, bytes] = field(default_factory=dict)

    def art(self, badge_id: int) -> BadgeArt:
        info = self.definitions.get(badge_id)
        return BadgeArt.of(info, self.images.get(badge_id)) if info is not None else BadgeArt()


def load_student_badges(services: Services, actor: Actor, student_id: int) -> BadgesOfStudent:
    """The student's badges with their pictures (runs on a worker thread)."""
    badges = services.badges.student_badges(actor, student_id)
    wanted = {a.badge_id for a in badges.earned} | {w.badge.id for w in badges.within_reach}
    definitions = {w.badge.id: w.badge for w in badges.within_reach}
    if wanted - set(definitions):  # an award carries no picture: the definitions have it
        definitions.update({b.id: b for b in services.badges.list_badges(actor, include_archived=True)
                            if b.id in wanted})
    images = {badge_id: services.badges.image(actor, badge_id, 128) for badge_id, b in definitions.items()
              if b.has_custom_image}
    return BadgesOfStudent(badges, definitions, images)


def earned_face(award: AwardInfo, data: BadgesOfStudent) -> TileFace:
    info = data.definitions.get(award.badge_id)
    return TileFace(award.badge_name, day(award.awarded_at), data.art(award.badge_id),
                    description=info.description if info else "", criteria=info.criteria_text if info else "",
                    state=award_tip(award), record=award)


def within_reach_face(w: WithinReach, data: BadgesOfStudent) -> TileFace:
    from tracker.domain.badge_rules import fraction

    return TileFace(w.badge.name, f"Missing: {w.missing}", data.art(w.badge.id), earned=False,
                    description=w.badge.description, criteria=w.badge.criteria_text,
                    fraction=fraction(w.have, w.need), record=w,
                    state=f"Missing: {w.missing}" + (f" (so far {w.progress})" if w.progress else ""))


def _award_id(face: TileFace) -> object:
    """What keeps an earned tile current across reloads: its award."""
    return getattr(face.record, "id", None)


class StudentBadgesView(Refreshing):
    """Earned badges and those within reach, for one student; Save badge… and Export all."""

    watches = frozenset({ChangeKind.BADGE, ChangeKind.PROGRESS, ChangeKind.MILESTONE, ChangeKind.ATTENDANCE,
                         ChangeKind.SKILL, ChangeKind.ENROLLMENT})

    def __init__(self, ctx: AppContext, student_id: int | None, parent: QWidget | None = None, *,
                 compact: bool = False) -> None:
        super().__init__(ctx, parent)
        self.student_id = student_id
        self.compact = compact
        self.data: BadgesOfStudent | None = None
        self.reloader = Reloader(ctx, self._load, self._loaded, self._failed, label="Loading the badges")
        tiles: Callable[[TileFace], BadgeTile] = (
            (lambda face: BadgeTile(face, picture=COMPACT_PICTURE, width=COMPACT_WIDTH)) if compact else
            (lambda face: BadgeTile(face, picture=PICTURE, width=TILE_WIDTH)))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        head = QHBoxLayout()
        head.addWidget(styled_label("Badges", heading="2"))
        self.summary = ElidedLabel("Loading…")
        set_style_flag(self.summary, "muted")
        self.summary.setAccessibleName("Badges summary")
        head.addWidget(self.summary, 1)
        self.save_button = QPushButton("Save badge…")
        self.save_button.setToolTip("Save the chosen badge as a PNG or SVG picture with its signed Open Badges "
                                    "credential inside, which other schools and sites can check (Enter)")
        self.save_button.clicked.connect(self.save_current)
        self.export_button = QPushButton("Export all my badges…")
        self.export_button.setToolTip("Every badge, as PNG and SVG pictures with their credentials, in one zip file")
        self.export_button.clicked.connect(self.export_all)
        head.addWidget(self.save_button)
        head.addWidget(self.export_button)
        lay.addLayout(head)

        self.earned = BadgeShelf("Badges earned", make_tile=tiles)
        self.earned.current_changed.connect(lambda _face: self._update_buttons())
        self.earned.activated.connect(lambda _face: self.save_current())
        lay.addWidget(self.earned)
        self.none_yet = styled_label("", muted=True)
        self.none_yet.setWordWrap(True)
        lay.addWidget(self.none_yet)
        self.more = styled_label("", muted=True)
        lay.addWidget(self.more)
        self.reach_title = styled_label("Within reach", heading="3")
        self.reach_title.setStyleSheet("font-weight: 600;")
        lay.addWidget(self.reach_title)
        self.reach = BadgeShelf("Badges within reach", make_tile=tiles)
        lay.addWidget(self.reach)
        self.message = styled_label("", muted=True)
        self.message.setWordWrap(True)
        self.message.hide()
        lay.addWidget(self.message)
        lay.addStretch(1)
        self._show(None)

    # ------------------------------------------------------------------ whose
    def set_student(self, student_id: int | None) -> None:
        if student_id == self.student_id:
            return
        self.student_id = student_id
        self.data = None
        self._show(None)
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    def is_self(self) -> bool:
        return self.ctx.actor is not None and self.ctx.actor.id == self.student_id

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        if self.student_id is not None:
            self.reloader.request()

    def _load(self) -> Callable[[TaskState], BadgesOfStudent]:
        services, actor, student_id = self.ctx.services, self.ctx.user, self.student_id
        assert student_id is not None
        return lambda state: load_student_badges(services, actor, student_id)

    def _loaded(self, data: BadgesOfStudent) -> None:
        if data.badges.student_id != self.student_id:
            return  # read for a child no longer chosen
        self.data = data
        self._show(data)

    def _failed(self, exc: BaseException) -> None:
        self.data = None
        self._show(None)
        self.summary.setText(f"The badges could not be loaded: {exc}")

    def _show(self, data: BadgesOfStudent | None) -> None:
        earned = data.badges.earned if data else []
        reach = data.badges.within_reach if data else []
        shown = earned[:COMPACT_EARNED] if self.compact else earned
        self.earned.set_faces([earned_face(a, data) for a in shown] if data else [], keep=_award_id)
        self.reach.set_faces([within_reach_face(w, data) for w in reach] if data else [])
        self.earned.setVisible(bool(shown))
        self.more.setText(f"and {len(earned) - len(shown)} more on the Progress page" if len(shown) < len(earned)
                          else "")
        self.more.setVisible(len(shown) < len(earned))
        self.reach_title.setVisible(bool(reach))
        self.reach.setVisible(bool(reach))
        if data is None:
            self.summary.setText("Loading…")
            self.none_yet.hide()
        else:
            points = sum(a.points for a in earned)
            self.summary.setText(f"{len(earned)} earned · {points} point{'s' if points != 1 else ''}" if earned
                                 else "None earned yet")
            who = "you earn" if self.is_self() else f"{data.badges.student_name} earns"
            self.none_yet.setText(f"No badges yet: the ones {who} show here"
                                  + (", and the next ones within reach below." if reach else "."))
            self.none_yet.setVisible(not earned)
        name = data.badges.student_name if data else ""
        self.export_button.setText("Export all my badges…" if self.is_self() else "Export all badges…")
        self.export_button.setAccessibleName("Export all my badges" if self.is_self() else
                                             f"Export all of {name}'s badges")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(isinstance(self.current_award(), AwardInfo))
        self.export_button.setEnabled(bool(self.data and self.data.badges.earned))

    # ------------------------------------------------------------------ saving
    def current_award(self) -> AwardInfo | None:
        face = self.earned.current()
        return face.record if face is not None and isinstance(face.record, AwardInfo) else None

    def save_current(self) -> bool:
        award = self.current_award()
        if award is None:
            return False
        return save_award(self, self.ctx, award, done=self._say)

    def export_all(self) -> bool:
        if self.data is None or not self.data.badges.earned or self.student_id is None:
            return False
        return export_all(self, self.ctx, self.student_id, self.data.badges.student_name, done=self._say)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def focus_main(self) -> None:
        (self.earned if self.earned.isVisible() else self.reach).setFocus()
