"""The manifest each kind of package carries at its root: ``imsmanifest.xml`` (SCORM 1.2, SCORM 2004 3rd or
4th edition), ``cmi5.xml`` (cmi5 course structure) or ``tincan.xml`` (an xAPI package).

Every identifier is made from the course's id and the modules' names, never from the time or chance, so an
LMS that imports the package again (an update) keeps its learners' tracking.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from quizlib.fronts.packages.content import Module

XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class Described:
    """What a manifest says about the package."""

    course_id: str  # an IRI, e.g. urn:quizlib:course:supporting-parent-infant-relationships
    title: str
    description: str
    language: str
    identifier: str  # the SCORM manifest identifier: letters, digits, "-", "_" and "."
    mastery: float  # the SCO's pass mark, 0 to 100
    modules: tuple[Module, ...]
    pass_marks: dict[str, float]  # module name -> its quiz's pass mark (0 to 100)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _number(x: float) -> str:
    return f"{round(x, 4):g}"


# -- SCORM --------------------------------------------------------------------------------------------------

SCORM12 = {
    "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
}
SCORM2004 = {
    "": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
    "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
}
SCHEMA_LOCATIONS = {
    "1.2": "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd "
    "http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd",
    "2004": "http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd "
    "http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd "
    "http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd "
    "http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd "
    "http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd",
}


def _q(ns: dict[str, str], name: str) -> str:
    prefix, _, local = name.rpartition(":")
    return f"{{{ns[prefix]}}}{local}"


def scorm_manifest(d: Described, files: Sequence[str], version: str) -> bytes:
    """``imsmanifest.xml`` for one SCO launched at ``index.html``; ``version`` is "1.2", "2004-3" or "2004-4"."""
    twelve = version == "1.2"
    ns = SCORM12 if twelve else SCORM2004
    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)
    ET.register_namespace("xsi", XSI)
    q = lambda name: _q(ns, name)
    root = ET.Element(
        q("manifest"),
        {"identifier": d.identifier, "version": "1", f"{{{XSI}}}schemaLocation": SCHEMA_LOCATIONS[version[:4]]},
    )
    meta = _sub(root, q("metadata"))
    _sub(meta, q("schema"), "ADL SCORM")
    _sub(meta, q("schemaversion"), {"1.2": "1.2", "2004-3": "2004 3rd Edition", "2004-4": "2004 4th Edition"}[version])
    orgs = _sub(root, q("organizations"), default="ORG-1")
    org = _sub(orgs, q("organization"), identifier="ORG-1")
    _sub(org, q("title"), d.title)
    item = _sub(org, q("item"), identifier="ITEM-1", identifierref="RES-1", isvisible="true")
    _sub(item, q("title"), d.title)
    if twelve:
        _sub(item, q("adlcp:masteryscore"), _number(d.mastery))
    else:
        # The pass mark as the primary objective's measure (cmi.scaled_passing_score); no sequencing rules.
        seq = _sub(item, q("imsss:sequencing"))
        objectives = _sub(seq, q("imsss:objectives"))
        primary = _sub(objectives, q("imsss:primaryObjective"), objectiveID="PRIMARY", satisfiedByMeasure="false")
        _sub(primary, q("imsss:minNormalizedMeasure"), _number(d.mastery / 100))
    resources = _sub(root, q("resources"))
    attrs = {"identifier": "RES-1", "type": "webcontent", "href": "index.html"}
    attrs[q("adlcp:scormtype" if twelve else "adlcp:scormType")] = "sco"
    res = _sub(resources, q("resource"), **attrs)
    for f in files:
        _sub(res, q("file"), href=f)
    return _xml(root)


# -- cmi5 ---------------------------------------------------------------------------------------------------

CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def au_id(course_id: str, module: Module) -> str:
    return f"{course_id}/au/{module.name}"


def cmi5_structure(d: Described) -> bytes:
    """``cmi5.xml``: the course and one AU per module, each with its pass mark and ``moveOn``."""
    ET.register_namespace("", CMI5)
    q = lambda name: f"{{{CMI5}}}{name}"

    def text(parent: ET.Element, tag: str, value: str) -> None:
        node = _sub(parent, q(tag))
        _sub(node, q("langstring"), value, lang=d.language)

    root = ET.Element(q("courseStructure"))
    course = _sub(root, q("course"), id=d.course_id)
    text(course, "title", d.title)
    text(course, "description", d.description)
    for m in d.modules:
        au = _sub(
            root,
            q("au"),
            id=au_id(d.course_id, m),
            moveOn="CompletedAndPassed",
            masteryScore=_number(d.pass_marks[m.name] / 100),
            launchMethod="AnyWindow",
        )
        text(au, "title", m.title)
        text(au, "description", f"{m.title}: the chapter and its quiz.")
        _sub(au, q("url"), f"index.html?module={m.name}")
    return _xml(root)


# -- xAPI (tincan.xml) --------------------------------------------------------------------------------------

TINCAN = "http://projecttincan.com/tincan.xsd"


def tincan_manifest(d: Described) -> bytes:
    """``tincan.xml``: one launchable activity, the course (its quizzes are reported beneath it)."""
    ET.register_namespace("", TINCAN)
    q = lambda name: f"{{{TINCAN}}}{name}"
    root = ET.Element(q("tincan"))
    activities = _sub(root, q("activities"))
    activity = _sub(activities, q("activity"), id=d.course_id, type="http://adlnet.gov/expapi/activities/course")
    _sub(activity, q("name"), d.title, lang=d.language)
    _sub(activity, q("description"), d.description, lang=d.language)
    _sub(activity, q("launch"), "index.html", lang=d.language)
    return _xml(root)
