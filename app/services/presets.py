"""Framework presets: strategy and reform-area lists copied into each new workshop."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.workshop import PresetKey


@dataclass(frozen=True)
class Entry:
    code: str
    name_th: str | None
    name_en: str | None


@dataclass(frozen=True)
class Framework:
    key: PresetKey
    title_th: str
    title_en: str
    strategies: tuple[Entry, ...]
    reform_areas: tuple[Entry, ...]
    agencies: tuple[Entry, ...] = ()


TH_NATIONAL_2018 = Framework(
    key="th-national-2018",
    title_th="ยุทธศาสตร์ชาติ 20 ปี (พ.ศ. 2561-2580) และแผนการปฏิรูปประเทศ 11 ด้าน",
    title_en="20-year National Strategy (2018-2037) and the 11-area National Reform Plan",
    strategies=(
        Entry("S1", "ด้านความมั่นคง", "Security"),
        Entry("S2", "ด้านการสร้างความสามารถในการแข่งขัน", "Competitiveness"),
        Entry("S3", "ด้านการพัฒนาและเสริมสร้างศักยภาพทรัพยากรมนุษย์", "Human capital development"),
        Entry("S4", "ด้านการสร้างโอกาสและความเสมอภาคทางสังคม", "Social opportunity and equality"),
        Entry("S5", "ด้านการสร้างการเติบโตบนคุณภาพชีวิตที่เป็นมิตรต่อสิ่งแวดล้อม", "Eco-friendly growth"),
        Entry(
            "S6",
            "ด้านการปรับสมดุลและพัฒนาระบบการบริหารจัดการภาครัฐ",
            "Public-sector rebalancing and development",
        ),
    ),
    reform_areas=(
        Entry("R1", "การเมือง", "Politics"),
        Entry("R2", "การบริหารราชการแผ่นดิน", "Public administration"),
        Entry("R3", "กฎหมาย", "Law"),
        Entry("R4", "กระบวนการยุติธรรม", "Justice process"),
        Entry("R5", "เศรษฐกิจ", "Economy"),
        Entry("R6", "ทรัพยากรธรรมชาติและสิ่งแวดล้อม", "Natural resources and environment"),
        Entry("R7", "สาธารณสุข", "Public health"),
        Entry("R8", "สื่อสารมวลชน เทคโนโลยีสารสนเทศ", "Mass media and information technology"),
        Entry("R9", "สังคม", "Society"),
        Entry("R10", "พลังงาน", "Energy"),
        Entry("R11", "การป้องกันและปราบปรามการทุจริตและประพฤติมิชอบ", "Anti-corruption"),
    ),
    agencies=(
        Entry(
            "A1",
            "สำนักงานปลัดกระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม",
            "Office of the Permanent Secretary, Ministry of Digital Economy and Society",
        ),
        Entry("A2", "กรมอุตุนิยมวิทยา", "Thai Meteorological Department"),
        Entry("A3", "สำนักงานสถิติแห่งชาติ", "National Statistical Office"),
        Entry("A4", "สำนักงานส่งเสริมเศรษฐกิจดิจิทัล (depa)", "Digital Economy Promotion Agency (depa)"),
        Entry(
            "A5",
            "สำนักงานพัฒนาธุรกรรมทางอิเล็กทรอนิกส์ (ETDA)",
            "Electronic Transactions Development Agency (ETDA)",
        ),
        Entry("A6", "สำนักงานรัฐบาลอิเล็กทรอนิกส์ (EGA)", "Electronic Government Agency (EGA)"),
        Entry("A7", "บริษัท ทีโอที จำกัด (มหาชน)", "TOT Public Company Limited"),
        Entry("A8", "บริษัท กสท โทรคมนาคม จำกัด (มหาชน)", "CAT Telecom Public Company Limited"),
        Entry("A9", "บริษัท ไปรษณีย์ไทย จำกัด", "Thailand Post Company Limited"),
    ),
)

PRESETS: dict[str, Framework] = {TH_NATIONAL_2018.key: TH_NATIONAL_2018}
