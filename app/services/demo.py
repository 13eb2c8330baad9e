"""The demo workshop: the MDES projects of seed-projects.md on the th-national-2018 preset."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.errors import NotFound
from app.models import Phase, Project, ProjectReformArea, ProjectStrategy, Workshop
from app.models.workshop import WorkshopCreate
from app.services import presets, workshops

DEMO_CODE = "MDES26"
DEMO_TITLE = "แผนงานและโครงการตามยุทธศาสตร์ชาติ 20 ปี และแผนการปฏิรูปประเทศ กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม"
DEMO_DESCRIPTION = ("ระดมความคิดจัดลำดับความสำคัญของโครงการของกระทรวงฯ ที่สนับสนุนยุทธศาสตร์ชาติ 6 ด้าน "
                    "และแผนการปฏิรูปประเทศ 11 ด้าน")

# (Thai title as in the release, strategies, reform areas as a planner plausibly would tag them)
SEED_PROJECTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("พัฒนา ปรับปรุงกฎหมายที่สำคัญในการผลักดันด้านเศรษฐกิจดิจิทัล", ("S1", "S2", "S6"), ("R3", "R5")),
    ("จัดหาระบบวิเคราะห์ข้อมูลด้านอาชญากรรมทางเทคโนโลยีและความมั่นคงปลอดภัยทางไซเบอร์", ("S1",), ("R4", "R8")),
    ("โครงการพัฒนาเมืองอัจฉริยะในพื้นที่ EEC", ("S2",), ("R5", "R8")),
    ("โครงการพัฒนาสภาพแวดล้อมและส่งเสริมการเติบโตของ Digital Startup (NDSP)", ("S2",), ("R5",)),
    ("โครงการจัดตั้งสถาบันไอโอที (IoT Institute)", ("S2",), ("R5", "R8")),
    ("โครงการดิจิทัลชุมชนด้าน e-Commerce", ("S2",), ("R5", "R9")),
    ("โครงการขยายอินเทอร์เน็ตความเร็วสูงเพื่อพัฒนาคุณภาพชีวิต (Fiber Optic ไปยังโรงเรียน "
     "โรงพยาบาลส่งเสริมสุขภาพตำบลและสุขศาลาพระราชทาน)", ("S2", "S4"), ("R7", "R8", "R9")),
    ("โครงการจัดทำแผนแม่บทด้านโครงสร้างพื้นฐานเทคโนโลยีดิจิทัลของประเทศ ระยะ 5 ปี", ("S2",), ("R8",)),
    ("โครงการอินเทอร์เน็ตความเร็วสูงสาธารณะ Smart City จังหวัดภูเก็ต", ("S2",), ("R5", "R8")),
    ("โครงการพัฒนาศูนย์พัฒนานโยบายเศรษฐกิจและสังคมดิจิทัล (Digital Economy Policy Unit)", ("S2",), ("R2", "R5")),
    ("แผนการสร้างการรับรู้ในการใช้ประโยชน์โครงข่ายและส่งเสริมการใช้งานแก่ประชาชน", ("S2", "S4"), ("R8", "R9")),
    ("โครงการส่งเสริมและพัฒนาการใช้ประโยชน์จากเทคโนโลยีดิจิทัล (ศูนย์ดิจิทัลชุมชน)", ("S2", "S3", "S4"), ("R8", "R9")),
    ("โครงการ Coding Nation", ("S3",), ("R9",)),
    ("โครงการสร้างความตระหนักในการใช้อินเทอร์เน็ตให้เสริมสร้างรายได้และรู้เท่าทันภัยคุกคามไซเบอร์ "
     "(Internet for Better Life)", ("S4",), ("R8", "R9")),
    ("โครงการพัฒนาระบบเตือนภัยพิบัติทางธรรมชาติ", ("S5",), ("R6",)),
    ("โครงการพัฒนาระบบข้อมูลเพื่อบริหารจัดการน้ำ", ("S5",), ("R6", "R10")),
    ("นโยบายรัฐบาลดิจิทัล (Digital Government)", ("S6",), ("R2", "R11")),
    ("โครงการพัฒนาระบบการพิสูจน์และยืนยันตัวตนทางดิจิทัล (Digital Identity)", ("S6",), ("R2",)),
    ("โครงการศึกษารูปแบบการบูรณาการข้อมูลสถิติและฐานข้อมูลขนาดใหญ่ (Big data) เพื่อการสนับสนุนการตัดสินใจ",
     ("S6",), ("R2",)),
    ("โครงการจัดทำระบบประมวลผลข้อมูลดิจิทัลอัจฉริยะสำหรับศูนย์วิเคราะห์ข้อมูลดิจิทัลอัจฉริยะแห่งชาติ",
     ("S6",), ("R2", "R8")),
)


def ensure_demo(session: Session) -> tuple[Workshop, str, str, bool]:
    """The demo workshop, made if absent, with fresh keys; returns (workshop, keys..., created)."""
    try:
        workshop = workshops.get_workshop(session, code=DEMO_CODE)
    except NotFound:
        workshop = _create(session)
        created = True
    else:
        created = False
    facilitator_key, screen_key = workshops.rotate_keys(session, workshop=workshop)
    return workshop, facilitator_key, screen_key, created


def _create(session: Session) -> Workshop:
    preset = presets.TH_NATIONAL_2018
    workshop, _, _ = workshops.create_workshop(session, code=DEMO_CODE, workshop_in=WorkshopCreate(
        title=DEMO_TITLE, description=DEMO_DESCRIPTION, language="th", framework=preset.key,
        agencies=[a.name_th for a in preset.agencies if a.name_th],
        dots_per_participant=5, max_dots_per_project=3, show_live_tallies=True,
    ))
    strategy_ids = {s.code: s.id for s in workshops.list_strategies(session, workshop=workshop)}
    area_ids = {r.code: r.id for r in workshops.list_reform_areas(session, workshop=workshop)}
    agency = preset.agencies[0].name_th or ""
    for number, (title, strategies, areas) in enumerate(SEED_PROJECTS):
        # A microsecond apart, so the release's order is the proposal order.
        project = Project(workshop_id=workshop.id, title=title, agency=agency,
                          created_at=workshop.created_at + timedelta(microseconds=number + 1))
        session.add(project)
        session.flush()
        session.add_all(ProjectStrategy(project_id=project.id, strategy_id=strategy_ids[c]) for c in strategies)
        session.add_all(ProjectReformArea(project_id=project.id, reform_area_id=area_ids[c]) for c in areas)
    workshop.phase = Phase.propose
    session.add(workshop)
    session.commit()
    return workshop
