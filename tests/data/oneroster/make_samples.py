"""Writes the OneRoster samples used by tests/unit/test_import_oneroster.py.

Written by hand from the 1EdTech OneRoster 1.1 and 1.2 CSV binding (file and column names,
roles, manifest properties), with the mess real SIS exports have: a UTF-8 BOM, CRLF line ends,
quoted fields with commas and new lines, extension (metadata.*) columns, tobedeleted rows,
Excel-formatted dates (m/d/yyyy strings and serial numbers) and trailing empty lines.
Run it to regenerate ``v1.1/``, ``v1.2.zip`` and the ``v1.x-quirks.zip`` bundles.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOM = "\ufeff"


def manifest(version: str, roles: bool) -> str:
    rows = [
        "propertyName,value", "manifest.version,1.0", f"oneroster.version,{version}",
        "file.academicSessions,bulk", "file.categories,absent", "file.classes,bulk",
        "file.classResources,absent", "file.courses,absent", "file.courseResources,absent",
        "file.demographics,absent", "file.enrollments,bulk", "file.lineItems,absent",
        "file.orgs,bulk", "file.resources,absent", "file.results,absent", "file.users,bulk",
    ]
    if roles:
        rows += ["file.roles,bulk", "file.userProfiles,absent"]
    rows += ["source.systemName,Example SIS", "source.systemCode,EXSIS"]
    return "\r\n".join(rows) + "\r\n"


ORGS = ("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n"
        'org-1,,,"Riverside School, Upper",school,RS1,\r\n')
SESSIONS = ("sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\r\n"
            "term-1,,,Autumn 2025,term,2025-09-01,2025-12-19,,2026\r\n")
CLASSES = ("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
           "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods,metadata.room\r\n"
           'cls-chess,,,"Chess, Beginners",07,crs-1,CH1,scheduled,Room 12,org-1,term-1,Games,,1,R12\r\n'
           'cls-choir,,,Choir,"07,08",crs-2,CO1,scheduled,Music Hall,org-1,term-1,Music,,2,\r\n'
           "cls-old,tobedeleted,2025-08-01T00:00:00.000Z,Old club,07,crs-3,OC1,scheduled,,org-1,term-1,,,,\r\n")
ENROLLMENTS = ("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
               "beginDate,endDate\r\n"
               "enr-1,,,cls-chess,org-1,stu-1,student,false,2025-09-08,\r\n"
               "enr-2,,,cls-chess,org-1,stu-2,student,false,9/15/2025,\r\n"
               "enr-3,,,cls-choir,org-1,stu-3,student,false,45910,\r\n"
               "enr-4,,,cls-chess,org-1,tea-1,teacher,true,,\r\n"
               "enr-5,,,cls-chess,org-1,tea-2,teacher,false,,\r\n"
               "enr-6,,,cls-choir,org-1,tea-2,teacher,true,,\r\n"
               "enr-7,tobedeleted,2025-08-01,cls-choir,org-1,stu-1,student,false,,\r\n"
               "\r\n\r\n")

USERS_11 = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
            "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,metadata.house\r\n"
            "stu-1,,,true,org-1,student,ava.jones,,Ava,Jones,,S1001,ava.jones@school.example,,,par-1,07,,Red\r\n"
            'stu-2,,,true,org-1,student,ben.smith,,Ben,"Smith, Jr.",,S1002,,,,"par-1,par-2",07,,Blue\r\n'
            'stu-3,,,true,org-1,student,,,Chloé,"O\'Brien\r\nMurphy",,S1003,,,,,08,,Green\r\n'
            "stu-4,tobedeleted,2025-08-01T00:00:00.000Z,true,org-1,student,,,Dan,Gone,,S1004,,,,,08,,\r\n"
            "tea-1,,,true,org-1,teacher,t.brown,,Tom,Brown,,T01,t.brown@school.example,,,,,,\r\n"
            "tea-2,,,true,org-1,teacher,u.patel,,Uma,Patel,,T02,u.patel@school.example,,,,,,\r\n"
            "par-1,,,true,org-1,parent,,,Paula,Jones,,,paula.jones@mail.example,,,stu-1,,,\r\n"
            "par-2,,,true,org-1,guardian,,,Greg,Smith,,,greg@mail.example,,,,,,\r\n"
            "adm-1,,,true,org-1,administrator,a.admin,,Ann,Admin,,,ann@school.example,,,,,,\r\n"
            "\r\n")

USERS_12 = ("sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
            "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,"
            "resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,"
            "primaryOrgSourcedId,pronouns,metadata.house\r\n"
            "stu-1,,,true,ava.jones,,Ava,Jones,,S1001,ava.jones@school.example,,,par-1,07,,,,,,,org-1,,Red\r\n"
            'stu-2,,,true,ben.smith,,Benjamin,"Smith, Jr.",,S1002,,,,"par-1,par-2",07,,,,Ben,,,org-1,,Blue\r\n'
            'stu-3,,,true,,,Chloé,"O\'Brien\r\nMurphy",,S1003,,,,,08,,,,,,,org-1,,Green\r\n'
            "stu-4,tobedeleted,2025-08-01T00:00:00.000Z,true,,,Dan,Gone,,S1004,,,,,08,,,,,,,org-1,,\r\n"
            "tea-1,,,true,t.brown,,Tom,Brown,,T01,t.brown@school.example,,,,,,,,,,,org-1,,\r\n"
            "tea-2,,,true,u.patel,,Uma,Patel,,T02,u.patel@school.example,,,,,,,,,,,org-1,,\r\n"
            "par-1,,,true,,,Paula,Jones,,,paula.jones@mail.example,,,stu-1,,,,,,,,org-1,,\r\n"
            "par-2,,,true,,,Greg,Smith,,,greg@mail.example,,,stu-2,,,,,,,,org-1,,\r\n"
            "adm-1,,,true,a.admin,,Ann,Admin,,,ann@school.example,,,,,,,,,,,org-1,,\r\n")
ROLES_12 = ("sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
            "userProfileSourcedId\r\n"
            "r-1,,,stu-1,primary,student,,,org-1,\r\n"
            "r-2,,,stu-2,primary,student,,,org-1,\r\n"
            "r-3,,,stu-3,primary,student,,,org-1,\r\n"
            "r-4,,,stu-4,primary,student,,,org-1,\r\n"
            "r-5,,,tea-1,primary,teacher,,,org-1,\r\n"
            "r-6,,,tea-2,secondary,aide,,,org-1,\r\n"
            "r-6b,,,tea-2,primary,teacher,,,org-1,\r\n"
            "r-7,,,par-1,primary,parent,,,org-1,\r\n"
            "r-8,,,par-2,primary,guardian,,,org-1,\r\n"
            "r-9,,,adm-1,primary,administrator,,,org-1,\r\n")


def files(version: str) -> dict[str, str]:
    out = {"manifest.csv": manifest(version, version == "1.2"), "orgs.csv": ORGS,
           "academicSessions.csv": SESSIONS, "classes.csv": CLASSES, "enrollments.csv": ENROLLMENTS,
           "users.csv": BOM + (USERS_11 if version == "1.1" else USERS_12)}
    if version == "1.2":
        out["roles.csv"] = ROLES_12
    return out


# --- the quirks of real SIS exports (the public 1EdTech-style sample bundles have them too): a class
# marked tobedeleted while enrollments.csv still lists enrollments in it, a user deleted with a bare
# row (sourcedId and status only) that an enrollment and a guardian still name, a disabled user
# with an enrollment. None of it is an error: those records are left out, with a warning.
QUIRK_CLASS = ("cls-debate,tobedeleted,2025-10-01T00:00:00.000Z,Debate,07,crs-4,DB1,scheduled,Room 3,org-1,"
               "term-1,,,,\r\n")
QUIRK_ENROLLMENTS = ("enr-8,,,cls-debate,org-1,stu-1,student,false,2025-09-08,\r\n"
                     "enr-9,,,cls-debate,org-1,stu-2,student,false,2025-09-08,\r\n"
                     "enr-10,,,cls-debate,org-1,tea-1,teacher,true,,\r\n"
                     "enr-11,,,cls-chess,org-1,stu-5,student,false,,\r\n"
                     "enr-12,,,cls-choir,org-1,stu-6,student,false,,\r\n")
QUIRK_USERS = {
    "1.1": ("stu-5,tobedeleted,2025-10-01T00:00:00.000Z,,,student" + "," * 13 + "\r\n"
            "stu-6,,,false,org-1,student,,,Eve,Stone,,S1006,,,,,08,,\r\n"
            "par-3,,,true,org-1,parent,,,Pat,Moss,,,pat.moss@mail.example,,,stu-5,,,\r\n"),
    "1.2": ("stu-5,tobedeleted,2025-10-01T00:00:00.000Z" + "," * 21 + "\r\n"
            "stu-6,,,false,,,Eve,Stone,,S1006,,,,,08,,,,,,,org-1,,\r\n"
            "par-3,,,true,,,Pat,Moss,,,pat.moss@mail.example,,,stu-5,,,,,,,,org-1,,\r\n"),
}
QUIRK_ROLES = ("r-10,tobedeleted,2025-10-01,stu-5,primary,student,,,org-1,\r\n"  # deleted with the user
               "r-11,,,stu-6,primary,student,,,org-1,\r\n"
               "r-12,,,par-3,primary,parent,,,org-1,\r\n")


def quirks(version: str) -> dict[str, str]:
    out = files(version)
    out["classes.csv"] += QUIRK_CLASS
    out["enrollments.csv"] = out["enrollments.csv"].rstrip("\r\n") + "\r\n" + QUIRK_ENROLLMENTS
    out["users.csv"] = out["users.csv"].rstrip("\r\n") + "\r\n" + QUIRK_USERS[version]
    if version == "1.2":
        out["roles.csv"] += QUIRK_ROLES
    return out


def write_zip(path: Path, members: dict[str, str]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 9, 1, 0, 0, 0))
            z.writestr(info, text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def main() -> None:
    folder = HERE / "v1.1"
    folder.mkdir(exist_ok=True)
    for name, text in files("1.1").items():
        (folder / name).write_bytes(text.encode("utf-8"))
    write_zip(HERE / "v1.2.zip", files("1.2"))
    for version in ("1.1", "1.2"):
        write_zip(HERE / f"v{version}-quirks.zip", quirks(version))


if __name__ == "__main__":
    main()
