"""The badge editor: name, description, activity, points, picture and criterion, with a live
preview of the picture, the wording a student will read and how many students qualify now.

Administrators may make a badge school-wide; a lead chooses among the activities they lead (the
same policy rule the service enforces: ``MANAGE_BADGES``). The picture is one of the bundled
designs (a keyboard-navigable grid, drawn in the chosen colours) or a custom PNG/SVG, checked
with the service's own rule (``badge_image.check_custom_image``) before it is taken. The
criterion's fields are :class:`ui.dialogs.badge_criteria.CriterionForm`; every edit is checked
with ``badge_rules.check`` and worded with ``badge_rules.describe``, problems show at their field
and Save stays disabled until there are none. For a rule badge, "Award to everyone who already
qualifies" shows the count (``badges.preview_count``, read in the background a moment after the
last edit, newest answer wins).

Everything is read and written through ``ui/ops.py``: the lists (activities, skills, the badge
being edited) when the dialog opens, the activity's milestones and the skill's levels when
chosen, and the save as one write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tracker.domain import badge_rules
from tracker.domain.badge_rules import CriterionKind
from tracker.domain.policy import Actor, Permission, Scope, allows
from tracker.errors import Problem, TrackerError, ValidationError
from tracker.reports.badge_image import DEFAULT_COLOURS, DESIGNS
from tracker.services import Services
from tracker.services.badges import BadgeInfo, BadgeInput
from ui.context import AppContext
from ui.dialogs import WaitingDialog, alive
from ui.dialogs.badge_criteria import CriterionForm
from ui.dialogs.template_form import ColourButton
from ui.ops import ReadOp, WriteOp
from ui.tasks import TaskState, show_error
from ui.widgets.badge_picture import BadgeArt, badge_pixmap
from ui.widgets.elided import ElidedLabel
from ui.widgets.forms import error_label
from ui.widgets.style import set_style_flag, styled_label

PREVIEW = 148
DESIGN_ICON = 44
COUNT_DELAY_MS = 350
DESIGN_ROLE = Qt.ItemDataRole.UserRole
#: where the service's and the rules' problem fields show (the rest: under the criterion)
NAME_FIELDS = {"name": "name", "description": "description", "activity": "activity", "points": "points",
               "image": "image", "design": "image", "primary_colour": "image", "secondary_colour": "image"}


@dataclass(frozen=True)
class EditorData:
    """What the editor reads when it opens (on a reader thread)."""

    activities: list[tuple[int | None, str]]  # (id, name) the user may make badges for; None: school-wide
    skills: list[tuple[int, str]]
    badge: BadgeInfo | None
    image: bytes | None  # the badge's custom picture, drawn at the preview's size


def editor_data(services: Services, actor: Actor, badge_id: int | None) -> EditorData:
    """The activities the actor may define badges for (school-wide first, for administrators),
    the skills, and the badge being edited with its custom picture (runs on a worker thread)."""
    choices: list[tuple[int | None, str]] = []
    if allows(actor.role, Permission.MANAGE_BADGES, set()):
        choices.append((None, "School-wide"))
    for a in services.activities.list_activities(actor, include_archived=False):
        led = {Scope.LED_ACTIVITY} if actor.id in a.lead_ids else set()
        if allows(actor.role, Permission.MANAGE_BADGES, led):
            choices.append((a.id, a.name))
    skills = [(k.id, k.name) for k in services.skills.list_skills(actor)]
    badge = services.badges.get(actor, badge_id) if badge_id is not None else None
    image = services.badges.image(actor, badge.id, PREVIEW * 2) if badge is not None and badge.has_custom_image \
        else None
    if badge is not None and badge.activity_id not in {a for a, _ in choices}:
        choices.append((badge.activity_id, badge.activity_name or "School-wide"))  # shown, saving says why not
    return EditorData(choices, skills, badge, image)


def qualify_text(count: int, *, editing: bool) -> str:
    """"23 students qualify now" (for a badge being edited: those who do not hold it yet)."""
    who = f"{count} student{'s' if count != 1 else ''}" if count else "Nobody"
    verb = "qualifies" if count <= 1 else "qualify"
    return f"{who} {verb} now" + (" (besides those who have it)" if editing else "")


class DesignGrid(QListWidget):
    """The bundled designs as a grid of pictures in the chosen colours (arrows move, the
    current one is the design)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Design")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(DESIGN_ICON, DESIGN_ICON))
        cell = DESIGN_ICON + 12
        self.setGridSize(QSize(cell, cell))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # sized to show every design
        self.setSpacing(0)
        self.setStyleSheet("QListView::item:selected { border: 2px solid palette(highlight); border-radius: 8px; }")
        columns = 5
        frame = 2 * self.frameWidth() + 12
        self.setFixedWidth(columns * cell + frame)
        self.setFixedHeight(-(-len(DESIGNS) // columns) * cell + frame)
        for design in DESIGNS:
            item = QListWidgetItem()
            item.setData(DESIGN_ROLE, design)
            item.setToolTip(design.capitalize())
            item.setData(Qt.ItemDataRole.AccessibleTextRole, design.capitalize())
            self.addItem(item)

    def design(self) -> str | None:
        item = self.currentItem()
        return str(item.data(DESIGN_ROLE)) if item is not None else None

    def set_design(self, design: str | None) -> None:
        for i in range(self.count()):
            if self.item(i).data(DESIGN_ROLE) == design:
                self.setCurrentRow(i)
                return
        self.setCurrentRow(-1)

    def recolour(self, primary: str, secondary: str) -> None:
        for i in range(self.count()):
            item = self.item(i)
            art = BadgeArt(str(item.data(DESIGN_ROLE)), primary, secondary)
            item.setIcon(badge_pixmap(art, DESIGN_ICON, ratio=self.devicePixelRatioF()))


class BadgeEditor(WaitingDialog):
    """New or edit a badge; ``saved(BadgeInfo)`` once the service has stored it."""

    saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, activity_id: int | None = None,
                 badge_id: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.badge_id = badge_id
        self.badge: BadgeInfo | None = None
        self.wanted_activity = activity_id
        self.custom_image: bytes | None = None  # a new picture chosen here
        self.kept_image: bytes | None = None  # the badge's own custom picture (editing), until replaced
        self.loaded = False
        self.touched: set[str] = set()  # fields edited: a name left empty is said only once touched
        self.problems: list[Problem] = []
        self.countable = False  # a rule badge whose criterion is complete: who qualifies can be counted
        self.count_generation = 0
        self.result_value: BadgeInfo | None = None
        self.setWindowTitle("Edit badge" if badge_id is not None else "New badge")
        self.setSizeGripEnabled(True)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(10)
        body = QHBoxLayout()
        body.setSpacing(16)
        outer.addLayout(body, 1)
        body.addWidget(self._build_form(), 1)
        body.addLayout(self._build_picture())

        bottom = QHBoxLayout()
        self.general_error = error_label()
        self.status = ElidedLabel("Loading…")
        set_style_flag(self.status, "muted")
        bottom.addWidget(self.status, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        set_style_flag(self.save_button, "primary")
        self.save_button.setToolTip("Save the badge (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons)
        outer.addWidget(self.general_error)
        outer.addLayout(bottom)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)  # the dialog's, not the button's: a button
        # given a shortcut before it is inside the dialog keeps it in a window that never shows

        self.count_timer = QTimer(self)
        self.count_timer.setSingleShot(True)
        self.count_timer.setInterval(COUNT_DELAY_MS)
        self.count_timer.timeout.connect(self._count)

        room = self.screen().availableGeometry()
        self.resize(min(960, room.width() - 40), min(700, room.height() - 60))
        self._set_colours(*DEFAULT_COLOURS[DESIGNS[0]])
        self.designs.set_design(DESIGNS[0])
        self._update()
        self._read()

    # ------------------------------------------------------------------ building
    def _build_form(self) -> QScrollArea:
        form = QWidget()
        grid = QGridLayout(form)
        grid.setContentsMargins(0, 0, 8, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        self.errors: dict[str, QLabel] = {}

        def row(label: str, widget: QWidget, field: str | None = None) -> QLabel:
            r = grid.rowCount()
            text = QLabel(label)
            text.setBuddy(widget)
            grid.addWidget(text, r, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            grid.addWidget(widget, r, 1, Qt.AlignmentFlag.AlignLeft if isinstance(widget, QSpinBox)
                           else Qt.AlignmentFlag(0))
            if field is not None:
                self.errors[field] = error_label()
                grid.addWidget(self.errors[field], r + 1, 1)
            return text

        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("e.g. Opening master")
        row("&Name", self.name, "name")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What the badge recognises, in a sentence")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        row("&Description", self.description, "description")
        self.activity = QComboBox()
        self.activity.setAccessibleName("Activity")
        self.activity.setToolTip("The activity whose students earn it; a school-wide badge (administrators) "
                                 "counts every activity")
        self.activity.setMinimumContentsLength(18)
        self.activity.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        row("&For", self.activity, "activity")
        self.points = QSpinBox()
        self.points.setRange(0, 1000)
        self.points.setValue(10)
        self.points.setSuffix(" points")
        self.points.setAccessibleName("Points")
        self.points.setToolTip("Points the badge adds on leaderboards")
        self.points.setMaximumWidth(170)
        row("&Points", self.points, "points")
        self.criterion = CriterionForm()
        row("&Earned by", self.criterion, "criterion").setBuddy(self.criterion.kind)

        self.wording = QLabel()
        self.wording.setWordWrap(True)
        self.wording.setTextFormat(Qt.TextFormat.PlainText)
        self.wording.setAccessibleName("What students read")
        self.wording.setStyleSheet("font-style: italic;")
        row("Students read", self.wording)
        self.award_existing = QCheckBox("Award to everyone who already qualifies")
        self.award_existing.setToolTip("When saving, give the badge at once to every student who meets the "
                                       "criterion now (later ones earn it as they get there)")
        grid.addWidget(self.award_existing, grid.rowCount(), 1)
        self.qualify = styled_label("", muted=True)
        self.qualify.setAccessibleName("Students who qualify")
        grid.addWidget(self.qualify, grid.rowCount(), 1)
        grid.setRowStretch(grid.rowCount(), 1)

        self.name.textEdited.connect(lambda _t: self._edited("name"))
        self.description.textChanged.connect(lambda: self._edited("description"))
        self.activity.currentIndexChanged.connect(lambda _i: self._activity_changed())
        self.points.valueChanged.connect(lambda _v: self._edited("points"))
        self.criterion.changed.connect(lambda: self._edited("criterion"))
        self.criterion.skill_chosen.connect(self._read_levels)
        self.award_existing.toggled.connect(lambda _on: self._update())

        scroll = QScrollArea()
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(420)
        return scroll

    def _build_picture(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)
        column.addWidget(styled_label("Picture", heading="2"))
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setAccessibleName("Badge preview")
        column.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignHCenter)
        self.preview_name = ElidedLabel("")
        self.preview_name.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.preview_name.setStyleSheet("font-weight: 600;")
        column.addWidget(self.preview_name)
        self.designs = DesignGrid()
        self.designs.currentItemChanged.connect(lambda *_: self._design_chosen())
        column.addWidget(self.designs)
        colours = QHBoxLayout()
        self.primary = ColourButton("primary")
        self.secondary = ColourButton("secondary")
        for button in (self.primary, self.secondary):
            button.changed.connect(self._colours_changed)
            colours.addWidget(button)
        colours.addStretch(1)
        column.addLayout(colours)
        custom = QHBoxLayout()
        self.custom_button = QPushButton("Custom image…")
        self.custom_button.setAutoDefault(False)
        self.custom_button.setToolTip("Use your own PNG (at most 1024 × 1024 pixels) or SVG picture, up to 1 MB")
        self.custom_button.clicked.connect(self.choose_custom_image)
        self.design_button = QPushButton("Use the design")
        self.design_button.setAutoDefault(False)
        self.design_button.setToolTip("Drop the custom picture: the badge shows the design chosen above")
        self.design_button.clicked.connect(self.use_design)
        custom.addWidget(self.custom_button)
        custom.addWidget(self.design_button)
        custom.addStretch(1)
        column.addLayout(custom)
        self.errors["image"] = error_label()
        self.errors["image"].setMaximumWidth(self.designs.width())
        column.addWidget(self.errors["image"])
        column.addStretch(1)
        return column

    # ------------------------------------------------------------------ reading
    def _read(self) -> None:
        services, actor, badge_id = self.ctx.services, self.ctx.user, self.badge_id
        self._enable_form(False)
        ReadOp(self, self.ctx, lambda state: editor_data(services, actor, badge_id), label="Loading the badge") \
            .success(self._loaded).failure(self._load_failed).run_in_background()

    def _load_failed(self, exc: BaseException) -> bool:
        if alive(self):
            self.status.setText(f"The badge could not be loaded: {exc}")
        return False  # and the standard message

    def _loaded(self, data: EditorData) -> None:
        if not alive(self):
            return
        self.activity.blockSignals(True)
        for activity_id, name in data.activities:
            self.activity.addItem(name, activity_id)
        self.activity.blockSignals(False)
        self.criterion.set_skills(data.skills)
        b = self.badge = data.badge
        if b is not None:
            self.setWindowTitle(f"Edit badge: {b.name}")
            self.name.setText(b.name)
            self.description.setPlainText(b.description)
            self.points.setValue(b.points)
            self._set_colours(b.primary_colour, b.secondary_colour)
            self.designs.set_design(b.design)
            self.kept_image = data.image
            self.criterion.set_criterion(b.criterion)
            self._select_activity(b.activity_id)
        else:
            self._select_activity(self.wanted_activity)
            self.award_existing.setChecked(True)
        self.loaded = True
        self._enable_form(True)
        self.status.setText("" if data.activities else "You may not define badges for any activity.")
        self._activity_changed()
        self.name.setFocus()

    def _select_activity(self, activity_id: int | None) -> None:
        index = self.activity.findData(activity_id)
        self.activity.setCurrentIndex(index if index >= 0 else 0)

    def _enable_form(self, enabled: bool) -> None:
        for widget in (self.name, self.description, self.activity, self.points, self.criterion, self.designs,
                       self.primary, self.secondary, self.custom_button, self.award_existing):
            widget.setEnabled(enabled)

    def _activity_changed(self) -> None:
        """A new activity: its milestones are read (a school-wide badge has none)."""
        activity_id = self.activity.currentData()
        if not self.loaded:
            return
        if activity_id is None:
            self.criterion.set_milestones([], "A school-wide badge has no milestones of its own.")
            self._edited("activity")
            return
        service, actor = self.ctx.services.milestones, self.ctx.user

        def shown(rows: list[tuple[int, str]]) -> None:
            if alive(self) and self.activity.currentData() == activity_id:
                self.criterion.set_milestones(rows, "" if rows else "This activity has no milestones yet.")

        ReadOp(self, self.ctx, lambda state: [(m.id, m.title) for m in service.list_milestones(actor, activity_id)],
               label="Loading the milestones").success(shown).run_in_background()
        self._edited("activity")

    def _read_levels(self, skill_id: object) -> None:
        if skill_id is None:
            self.criterion.set_levels([])
            return
        service, actor = self.ctx.services.skills, self.ctx.user
        chosen = int(str(skill_id))

        def shown(levels: list[tuple[int, str]]) -> None:
            if alive(self) and self.criterion.skill.currentData() == chosen:
                self.criterion.set_levels(levels)

        ReadOp(self, self.ctx, lambda state: [(r.level, r.name) for r in service.rubric(actor, chosen)],
               label="Loading the skill's levels").success(shown).run_in_background()

    # ------------------------------------------------------------------ the picture
    def _set_colours(self, primary: str, secondary: str) -> None:
        self.primary.set_hex(primary.upper())
        self.secondary.set_hex(secondary.upper())
        self.designs.recolour(primary, secondary)

    def _colours_changed(self) -> None:
        self.designs.recolour(self.primary.hex(), self.secondary.hex())
        self.use_design()

    def _design_chosen(self) -> None:
        if self.loaded:
            self.use_design()
        else:
            self._update()

    def art(self) -> BadgeArt:
        """What the badge will look like: the custom picture, if any, else the design."""
        return BadgeArt(self.designs.design() or DESIGNS[0], self.primary.hex(), self.secondary.hex(),
                        self.custom_image or self.kept_image)

    def choose_custom_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the badge's picture", str(Path.home()),
                                              "Pictures (*.png *.svg)")
        if not path:
            return
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            self._image_refused(f"{Path(path).name} cannot be read: {exc.strerror or exc}")
            return
        self.use_custom_image(data)

    def use_custom_image(self, data: bytes) -> None:
        """Check a picture with the service's own rule (off the GUI thread: an SVG is drawn to be
        sure it can be); taken when fit, refused with the reason under the picture when not."""
        from tracker.reports.badge_image import check_custom_image

        def refused(exc: BaseException) -> bool:
            if not isinstance(exc, ValidationError):
                return False
            self._image_refused(exc.problems[0].message if exc.problems else exc.message)
            return True

        def taken(_kind: str) -> None:
            if alive(self):
                self.custom_image = data
                self.errors["image"].hide()
                self._update()

        ReadOp(self, self.ctx, lambda state: check_custom_image(data), label="Checking the picture") \
            .success(taken).failure(refused).run_in_background()

    def _image_refused(self, message: str) -> None:
        if alive(self):
            self.errors["image"].setText(message)
            self.errors["image"].show()

    def use_design(self) -> None:
        """Back to the bundled design (the custom picture is dropped when saved)."""
        self.custom_image = self.kept_image = None
        self.errors["image"].hide()
        self._update()

    # ------------------------------------------------------------------ checking
    def _edited(self, field: str) -> None:
        if self.loaded:
            self.touched.add(field)
        self._update()

    def activity_id(self) -> int | None:
        data = self.activity.currentData()
        return int(data) if data is not None else None

    def activity_name(self) -> str | None:
        return self.activity.currentText() if self.activity_id() is not None else None

    def badge_input(self) -> BadgeInput:
        return BadgeInput(
            name=self.name.text().strip(), description=self.description.toPlainText().strip(),
            activity_id=self.activity_id(), points=self.points.value(), criterion=self.criterion.criterion(),
            design=self.designs.design() or DESIGNS[0], primary_colour=self.primary.hex().lower(),
            secondary_colour=self.secondary.hex().lower(), custom_image=self.custom_image,
            keep_custom_image=self.custom_image is None and self.kept_image is not None)

    def local_problems(self, data: BadgeInput) -> list[Problem]:
        """What keeps the badge from being saved, by the service's own rules where it has them."""
        out = [Problem("A badge needs a name.", field="name")] if not data.name else []
        return out + self.criterion_problems(data)

    def criterion_problems(self, data: BadgeInput) -> list[Problem]:
        """What keeps the criterion from being measured (then nobody can be counted yet)."""
        out: list[Problem] = []
        if not self.activity.count():
            out.append(Problem("There is no activity you may define badges for.", field="activity"))
        c = data.criterion
        if c.kind is CriterionKind.MILESTONES and self.criterion.these_milestones.isChecked() and not c.milestone_ids:
            out.append(Problem("Tick the milestones that earn the badge.", field="milestone_ids"))
        return out + badge_rules.check(c, data.activity_id)

    def _update(self) -> None:
        """Redraw the preview and the wording, show the problems, and recount who qualifies."""
        art = self.art()
        self.preview.setPixmap(badge_pixmap(art, PREVIEW, ratio=self.devicePixelRatioF()))
        self.preview_name.setText(self.name.text().strip() or "Badge name")
        custom = art.image is not None
        self.design_button.setEnabled(custom)
        self.designs.setToolTip("The custom picture is used; choose a design to use it instead" if custom else "")
        data = self.badge_input()
        self.wording.setText(badge_rules.describe(data.criterion, self.criterion.names(self.activity_name())))
        self.problems = self.local_problems(data) if self.loaded else []
        self._show_problems(self.problems)
        rule_badge = not data.criterion.manual
        self.award_existing.setVisible(rule_badge)
        self.qualify.setVisible(rule_badge)
        self.save_button.setEnabled(self.loaded and not self.problems and not self.waiting)
        if not self.loaded:
            return
        missing = next((p.message for p in self.problems), "")
        self.status.setText(missing)
        self.countable = rule_badge and not self.criterion_problems(data)
        if self.countable:
            self.qualify.setText("Counting the students who qualify…")
            self.count_timer.start()
        else:
            self.count_timer.stop()
            self.count_generation += 1
            self.qualify.setText("")

    def _show_problems(self, problems: list[Problem]) -> None:
        shown: dict[str, list[str]] = {}
        for p in problems:
            where = NAME_FIELDS.get((p.field or "").lower(), "criterion")
            if where == "name" and "name" not in self.touched:
                continue  # a new badge's empty name: said in the status line, not in red at once
            shown.setdefault(where, []).append(p.message)
        for field, label in self.errors.items():
            if field == "image" and field not in shown:
                continue  # a refused file's message stays until another picture is chosen
            label.setText("\n".join(shown.get(field, [])))
            label.setVisible(field in shown)

    def _count(self) -> None:
        """How many students qualify now (the newest request's answer is the one shown)."""
        if not self.countable or not self.loaded:
            return
        self.count_generation += 1
        generation, data = self.count_generation, self.badge_input()
        service, actor, badge_id, editing = self.ctx.services.badges, self.ctx.user, self.badge_id, self.badge is not None

        def counted(n: int) -> None:
            if alive(self) and generation == self.count_generation:
                self.qualify.setText(qualify_text(n, editing=editing))

        def failed(exc: BaseException) -> bool:
            if alive(self) and generation == self.count_generation:
                self.qualify.setText(f"Cannot count yet: {exc}")
            return True

        ReadOp(self, self.ctx, lambda state: service.preview_count(actor, data, badge_id=badge_id),
               label="Counting who qualifies").success(counted).failure(failed).run_in_background()

    # ------------------------------------------------------------------ saving
    def save(self) -> None:
        if self.waiting or not self.loaded:
            return
        self.touched.add("name")
        self._update()
        if self.problems:
            return
        data, badge = self.badge_input(), self.badge
        award = self.award_existing.isChecked() and not data.criterion.manual
        service, actor = self.ctx.services.badges, self.ctx.user

        def call(state: TaskState) -> BadgeInfo:
            return service.save(actor, data, badge_id=badge.id if badge else None,
                                version=badge.version if badge else None, award_existing=award)

        self.start_waiting(self.save_button)
        WriteOp(self, self.ctx, call, label="Saving the badge").success(self._saved).failure(self._refused) \
            .run_in_background()

    def _saved(self, info: BadgeInfo) -> None:
        if not self.finish_waiting():
            return
        self.result_value = info
        self.saved.emit(info)
        self.accept()

    def _refused(self, exc: BaseException) -> bool:
        if not self.finish_waiting():
            return True
        self._update()
        if isinstance(exc, ValidationError):
            self.touched.add("name")
            problems = exc.problems or [Problem(exc.message)]
            self._show_problems(problems)
            loose = [p.message for p in problems if not p.field]
            self.general_error.setText("\n".join(loose))
            self.general_error.setVisible(bool(loose))
            return True
        if isinstance(exc, TrackerError):
            self.general_error.setText(str(exc))
            self.general_error.show()
            return True
        show_error(self, exc, "Saving the badge")
        return True


def open_badge_editor(parent: QWidget | None, ctx: AppContext, *, activity_id: int | None = None,
                      badge_id: int | None = None) -> BadgeEditor:
    """Open the editor (window-modal, deleted when closed): a new badge for ``activity_id`` (or
    school-wide), or the badge ``badge_id``."""
    editor = BadgeEditor(ctx, parent, activity_id=activity_id, badge_id=badge_id)
    editor.finished.connect(editor.deleteLater)
    editor.open()
    return editor
