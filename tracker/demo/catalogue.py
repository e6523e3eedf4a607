"""The fixed ingredients of the demo school: names, activities, milestones, skills, badges.

Kept as plain tuples in code (not data files) so the generator has no I/O of its own and the
lists are type-checked; the generator draws from them with a seeded ``random.Random``.
"""

from __future__ import annotations

from dataclasses import dataclass

SCHOOL_NAMES = (
    "Northfield Secondary School",
    "Riverside Academy",
    "Lakeview High School",
    "Hillcrest Secondary School",
    "Westbrook Academy",
    "St. Catherine's College",
)

FIRST_NAMES = (
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Elijah", "Sophia", "Lucas", "Isabella", "Mateo",
    "Mia", "Levi", "Amelia", "Ethan", "Harper", "James", "Evelyn", "Benjamin", "Aisha", "Omar",
    "Fatima", "Yusuf", "Priya", "Arjun", "Ananya", "Rohan", "Mei", "Wei", "Hana", "Kenji",
    "Yuki", "Sakura", "Chloe", "Daniel", "Grace", "Samuel", "Zoe", "Gabriel", "Lily", "Leo",
    "Nora", "Jack", "Ella", "Henry", "Scarlett", "Owen", "Layla", "Caleb", "Zara", "Isaac",
    "Amara", "Kofi", "Ngozi", "Tariq", "Leila", "Diego", "Valentina", "Santiago", "Camila",
    "Sebastian", "Lucia", "Mateus", "Ines", "Tomas", "Freya", "Oscar", "Astrid", "Nils", "Ingrid",
    "Finn", "Maya", "Ravi", "Sana", "Imran", "Nadia", "Elena", "Luca", "Giulia", "Marco",
    "Sofia", "Anton", "Katya", "Mikhail", "Daria", "Jonah", "Ruby", "Theo", "Alice", "Max",
    "Clara", "Felix", "Hugo", "Iris", "Jasper", "Kai", "Luna", "Miles", "Nina", "Quinn",
    "Rosa", "Sami", "Tessa", "Umar", "Vera", "Wyatt", "Xavier", "Yara", "Zain", "Ada",
    "Alexander", "Katherine", "Nicholas", "Elizabeth", "Matthew", "Samantha", "Christopher",
    "Jennifer", "Joseph", "Victoria",
)  # fmt: skip

# Long first names and the short form a student often goes by (preferred_name).
NICKNAMES = {
    "Alexander": "Alex", "Katherine": "Kate", "Nicholas": "Nick", "Elizabeth": "Liz",
    "Matthew": "Matt", "Samantha": "Sam", "Christopher": "Chris", "Jennifer": "Jen",
    "Joseph": "Joe", "Victoria": "Tori", "Benjamin": "Ben", "Isabella": "Bella",
    "Sebastian": "Seb", "Valentina": "Vale", "Gabriel": "Gabe", "Samuel": "Sam",
}  # fmt: skip

LAST_NAMES = (
    "Garcia", "Smith", "Johnson", "Brown", "Williams", "Jones", "Miller", "Davis", "Martinez",
    "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter",
    "Mitchell", "Perez", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Sanchez", "Morris", "Rogers", "Reed", "Cook", "Morgan",
    "Bell", "Murphy", "Bailey", "Rivera", "Cooper", "Richardson", "Cox", "Howard", "Ward",
    "Torres", "Peterson", "Gray", "Ramirez", "Watson", "Brooks", "Kelly", "Sanders", "Price",
    "Bennett", "Wood", "Barnes", "Ross", "Henderson", "Coleman", "Jenkins", "Perry", "Powell",
    "Long", "Patterson", "Hughes", "Flores", "Washington", "Butler", "Simmons", "Foster",
    "Gonzales", "Bryant", "Alexander", "Russell", "Griffin", "Diaz", "Hayes", "Khan", "Patel",
    "Singh", "Chen", "Wang", "Kim", "Park", "Tanaka", "Sato", "Suzuki", "Okafor", "Mensah",
    "Ali", "Hassan", "Ahmed", "Novak", "Kowalski", "Nowak", "Rossi", "Bianchi", "Muller",
    "Schmidt", "Fischer", "Larsen", "Hansen", "Dubois", "Moreau", "Silva", "Santos", "Costa",
)  # fmt: skip


DROP_REASONS = (
    "Clashes with another commitment",
    "Lost interest",
    "Moved to another activity",
    "Family reasons",
    "Injury",
    "Transport difficulties",
)
CANCEL_NOTES = ("Teacher away", "Room unavailable", "School trip", "Exam preparation", "Bad weather")
MILESTONE_NOTES = (
    "Great effort today.",
    "Needed a little help but got there.",
    "Excellent work, well ahead of the group.",
    "Helped others with this one.",
    "Completed at the second attempt.",
)
PROGRESS_NOTES = (
    "Needs encouragement with attendance.",
    "Check in with family about attendance.",
    "Very keen; could take on more responsibility.",
)
EVIDENCE = (
    "Observed during the {activity} session.",
    "Showed {skill} when working with a partner.",
    "Led a small group and showed {skill}.",
    "Reflection journal entry about {skill}.",
    "Feedback from the whole {activity} group.",
)


@dataclass(frozen=True)
class ActivitySpec:
    """One activity of the demo school and how it meets."""

    name: str
    category: str
    location: str
    weekdays: tuple[int, ...]  # 0 = Monday
    start: str  # "HH:MM"
    minutes: int
    popularity: float  # relative share of students choosing it
    min_attendance_pct: float | None
    requires_signoff: bool
    capped: bool  # capacity below demand: some students wait
    skills: tuple[str, ...]
    description: str


# The first entry is the largest activity: it meets daily and grows with the school (benchmark).
ACTIVITIES = (
    ActivitySpec("Athletics", "Sports", "Running track", (0, 1, 2, 3, 4), "07:45", 45, 0, 70, False,
                 False, ("Resilience", "Teamwork", "Time management"),
                 "Daily training before school and at lunch: sprints, distance, jumps and throws."),
    ActivitySpec("Football", "Sports", "Main field", (1, 3), "15:30", 90, 1.6, 80, False, True,
                 ("Teamwork", "Resilience"), "Training and friendly matches against local schools."),
    ActivitySpec("Basketball", "Sports", "Sports hall", (0, 2), "15:30", 90, 1.3, 80, False, False,
                 ("Teamwork", "Communication"), "Skills, drills and a weekend league."),
    ActivitySpec("Swimming", "Sports", "Leisure centre pool", (4,), "15:45", 60, 0.9, 70, False,
                 False, ("Resilience", "Time management"), "Stroke technique and squad sessions."),
    ActivitySpec("Drama", "Arts", "Studio theatre", (1, 3), "15:30", 90, 1.2, 70, True, False,
                 ("Public speaking", "Creativity", "Teamwork"),
                 "Improvisation, scene work and the end-of-term production."),
    ActivitySpec("Art Studio", "Arts", "Art room A2", (2,), "15:30", 90, 1.0, None, False, False,
                 ("Creativity", "Resilience"), "Drawing, painting and mixed media projects."),
    ActivitySpec("Photography", "Arts", "Media lab", (3,), "15:30", 75, 0.8, 70, False, True,
                 ("Creativity", "Critical thinking"), "Camera skills, editing and a final exhibition."),
    ActivitySpec("Dance", "Arts", "Dance studio", (0, 3), "16:00", 60, 1.0, 80, False, False,
                 ("Teamwork", "Creativity", "Resilience"), "Contemporary and street dance."),
    ActivitySpec("Film Club", "Arts", "Lecture theatre", (4,), "15:30", 120, 0.7, None, False,
                 False, ("Critical thinking", "Communication"), "Watch, discuss and review films."),
    ActivitySpec("Creative Writing", "Arts", "Library", (1,), "15:30", 60, 0.6, None, True, False,
                 ("Creativity", "Communication"), "Stories, poems and the school anthology."),
    ActivitySpec("Yearbook", "Arts", "Media lab", (0,), "15:30", 60, 0.5, 70, True, False,
                 ("Teamwork", "Time management", "Communication"), "Plan, write and design the yearbook."),
    ActivitySpec("Choir", "Music", "Music room", (1,), "12:40", 40, 1.1, 80, False, False,
                 ("Teamwork", "Public speaking"), "Singing for assemblies and the spring concert."),
    ActivitySpec("Orchestra", "Music", "Music room", (2,), "15:30", 90, 0.8, 80, True, False,
                 ("Teamwork", "Resilience"), "Strings, wind and brass rehearsing together."),
    ActivitySpec("Jazz Band", "Music", "Music practice rooms", (3,), "15:30", 75, 0.5, 80, False,
                 True, ("Creativity", "Teamwork"), "Improvisation and big band repertoire."),
    ActivitySpec("Robotics Club", "STEM", "Technology lab", (0, 2), "15:30", 90, 1.3, 70, False,
                 True, ("Coding", "Problem solving", "Teamwork"),
                 "Design, build and program robots for the regional competition."),
    ActivitySpec("Coding Club", "STEM", "Computer room C1", (1,), "15:30", 75, 1.2, 70, False, True,
                 ("Coding", "Problem solving"), "Python, web and game projects."),
    ActivitySpec("Science Olympiad", "STEM", "Science lab S3", (3,), "15:30", 75, 0.6, 80, True,
                 False, ("Problem solving", "Critical thinking"), "Practical and theory training."),
    ActivitySpec("Maths Circle", "STEM", "Room M4", (4,), "12:40", 40, 0.6, None, False, False,
                 ("Problem solving", "Critical thinking"), "Puzzles and competition maths."),
    ActivitySpec("Chess Club", "Clubs", "Library", (0, 3), "12:40", 40, 0.9, None, False, False,
                 ("Critical thinking", "Resilience"), "Casual games, tactics lessons and a ladder."),
    ActivitySpec("Debate", "Clubs", "Room H2", (2,), "15:30", 75, 0.8, 80, False, False,
                 ("Public speaking", "Critical thinking", "Communication"),
                 "Weekly motions and inter-school competitions."),
    ActivitySpec("Model UN", "Clubs", "Room H3", (1,), "15:30", 90, 0.6, 80, True, False,
                 ("Public speaking", "Leadership", "Communication"), "Committees, resolutions and conferences."),
    ActivitySpec("Esports", "Clubs", "Computer room C2", (4,), "15:30", 90, 1.0, 70, False, True,
                 ("Teamwork", "Communication"), "Team strategy and fair play in school leagues."),
    ActivitySpec("Volunteering", "Service", "Community centre", (2,), "15:45", 90, 0.8, 70, True,
                 False, ("Leadership", "Communication"), "Helping at the food bank and the care home."),
    ActivitySpec("Environmental Club", "Service", "Science lab S1", (1,), "12:40", 40, 0.7, None,
                 False, False, ("Leadership", "Teamwork"), "Recycling, energy audits and campaigns."),
    ActivitySpec("Gardening", "Service", "School garden", (3,), "15:30", 60, 0.5, None, False, False,
                 ("Teamwork", "Resilience"), "Grow vegetables for the school kitchen."),
)

MILESTONES = {
    "Sports": ("Safety and warm-up routine", "Baseline fitness test", "Core skills check",
               "First competition", "Personal best", "Team role", "Coach a younger student",
               "End-of-term tournament"),
    "Arts": ("Introduction and portfolio", "First piece", "Technique workshop", "Peer critique",
             "Major project draft", "Showcase piece", "Reflection", "Exhibition or performance"),
    "Music": ("Part allocation", "Scales and warm-ups", "First piece learnt", "Sectional rehearsal",
              "Solo passage", "Dress rehearsal", "Concert performance", "Reflection"),
    "STEM": ("Lab safety", "First project", "Tools and techniques", "Team challenge",
             "Design review", "Prototype", "Competition entry", "Presentation"),
    "Clubs": ("Welcome and rules", "First contribution", "Skills workshop", "First competition",
              "Research task", "Lead a session", "Inter-school event", "Reflection"),
    "Service": ("Induction", "First volunteering shift", "Safeguarding briefing", "Project plan",
                "Ten hours of service", "Lead a project", "Community report", "Reflection"),
}  # fmt: skip

SKILLS = (
    ("Teamwork", "Social", "Works well with others towards a shared goal."),
    ("Leadership", "Social", "Takes responsibility and helps a group move forward."),
    ("Public speaking", "Communication", "Speaks clearly and confidently to an audience."),
    ("Communication", "Communication", "Listens, explains and writes clearly."),
    ("Coding", "Technical", "Writes, tests and debugs programs."),
    ("Creativity", "Thinking", "Comes up with original ideas and makes them real."),
    ("Problem solving", "Thinking", "Breaks problems down and finds ways through."),
    ("Critical thinking", "Thinking", "Weighs evidence and argues a point."),
    ("Resilience", "Personal", "Keeps going after setbacks."),
    ("Time management", "Personal", "Plans work and meets deadlines."),
)

HOLIDAYS = (
    # (week of term counted from 0, weekday, name)
    (3, 0, "Public holiday"),
    (6, 4, "Staff training day"),
    (12, 0, "Founders' Day"),
)


@dataclass(frozen=True)
class BadgeSpec:
    """A badge of the demo school: its rule (the JSON of :class:`tracker.domain.badge_rules.
    Criterion`), its picture (a bundled design in two colours) and its points. ``chosen``: the
    rule names the activity's first ``chosen`` milestones (their ids are known only when the
    school is planned)."""

    name: str
    description: str
    activity: str | None  # None: school-wide
    rule: tuple[tuple[str, object], ...]
    design: str
    colours: tuple[str, str]
    points: int
    chosen: int = 0


BADGES = (
    BadgeSpec("Century Club", "Earned 100 milestone points across the school's activities.", None,
              (("kind", "points"), ("points", 100)), "star", ("#1f5fbf", "#f4b400"), 25),
    BadgeSpec("Finisher", "Completed an activity from start to finish.", None,
              (("kind", "activity_completed"),), "medal", ("#e0a712", "#1e4fa3"), 20),
    BadgeSpec("All-Rounder", "Completed two different activities.", None,
              (("kind", "activities_completed"), ("count", 2)), "trophy", ("#6a1b9a", "#f4b400"), 40),
    BadgeSpec("Reliable", "Turns up: 95% attendance or better over at least ten sessions.", None,
              (("kind", "attendance_rate"), ("percent", 95), ("min_sessions", 10)), "shield",
              ("#2e7d32", "#b0bec5"), 15),
    BadgeSpec("Team Player", "Assessed at Proficient or above in teamwork.", None,
              (("kind", "skill_level"), ("skill", "Teamwork"), ("level", 3)), "heart", ("#d81b60", "#f8bbd0"), 15),
    BadgeSpec("Robot Builder", "Built and programmed a working robot.", "Robotics Club",
              (("kind", "milestones"), ("count", 3)), "robot", ("#455a64", "#4fc3f7"), 20),
    BadgeSpec("Stage Debut", "First steps on the stage.", "Drama",
              (("kind", "milestones"), ("count", 4)), "theatre", ("#4a148c", "#ffca28"), 20),
    BadgeSpec("Code Starter", "Safe in the lab and a first project finished.", "Coding Club",
              (("kind", "milestones"),), "rocket", ("#0d47a1", "#ff7043"), 10, chosen=2),
    BadgeSpec("Never Miss a Match", "Present at ten Football sessions in a row.", "Football",
              (("kind", "attendance_streak"), ("count", 10)), "ball", ("#ef6c00", "#37474f"), 15),
    BadgeSpec("Perfect Month", "Every Dance session of a calendar month, present.", "Dance",
              (("kind", "perfect_month"), ("min_sessions", 4)), "music", ("#283593", "#ff7043"), 15),
    BadgeSpec("Green Fingers", "Every Gardening milestone done.", "Gardening",
              (("kind", "milestones"),), "leaf", ("#2e7d32", "#aed581"), 30),
    BadgeSpec("Helping Hand", "Went out of their way to help others, as their teacher saw.", "Volunteering",
              (("kind", "manual"),), "ribbon", ("#c62828", "#f4b400"), 10),
    BadgeSpec("Spirit of the School", "Represented the school with pride.", None,
              (("kind", "manual"),), "book", ("#00695c", "#ffb74d"), 30),
)
#: hand-written notes of the demo's manual awards, and the reason of its one revoked award
AWARD_NOTES = ("Organised the food bank collection on their own initiative.",
               "Stayed late every week to help set up for the care-home visit.",
               "Spoke for the school at the district youth forum.")
REVOKE_REASON = "Awarded by mistake: the milestones were ticked for the wrong student."
