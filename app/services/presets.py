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
    # What the two dimensions are called, (Thai, English); None: the usual names.
    labels: tuple[tuple[str, str], tuple[str, str]] | None = None


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


# Source: the revised National Reform Plan (แผนการปฏิรูปประเทศ (ฉบับปรับปรุง)), approved by the
# Cabinet and announced in the Royal Gazette in March 2021; the areas as listed by the Office of the
# National Economic and Social Development Council, http://nscr.nesdc.go.th/ . The 11 areas of 2018
# stay (the 8th keeps its name) and two are added.
TH_NATIONAL_2021 = Framework(
    key="th-national-2021",
    title_th="ยุทธศาสตร์ชาติ 20 ปี (พ.ศ. 2561-2580) และแผนการปฏิรูปประเทศ (ฉบับปรับปรุง) 13 ด้าน",
    title_en="20-year National Strategy (2018-2037) and the revised 13-area National Reform Plan (2021)",
    strategies=TH_NATIONAL_2018.strategies,
    reform_areas=(
        *TH_NATIONAL_2018.reform_areas,
        Entry("R12", "การศึกษา", "Education"),
        Entry("R13", "วัฒนธรรม กีฬา แรงงาน และการพัฒนาทรัพยากรมนุษย์",
              "Culture, sport, labour and human resource development"),
    ),
)

# Source: the 17 Sustainable Development Goals of "Transforming our world: the 2030 Agenda for
# Sustainable Development" (UN General Assembly resolution A/RES/70/1, 2015), English short names
# as the UN gives them; Thai names as used on the UN in Thailand's Global Goals pages
# (https://www.un.or.th/globalgoals/th/the-goals/), checked against a Thai university's copy of
# that list for goals 1-9 (stri.cmu.ac.th). Goals 10-17, checked 2026-11-30: the official Thai
# source, NESDC's SDG site (sdgs.nesdc.go.th, sdgdashboard.nesdc.go.th; NESDC is the secretariat
# of Thailand's Committee for Sustainable Development), gives no short names, only each goal's
# full Thai title (e.g. 10 "ลดความไม่เสมอภาคภายในและระหว่างประเทศ", 11 "ทำให้เมืองและการตั้งถิ่นฐาน
# ของมนุษย์ มีความครอบคลุม ปลอดภัย ยืดหยุ่นต่อการเปลี่ยนแปลง และยั่งยืน", 12 "สร้างหลักประกันให้มี
# แบบแผนการผลิตและการบริโภคที่ยั่งยืน"); the short names below agree in meaning with those titles
# and are kept because a screen needs short names. Only 11 was also found word for word elsewhere
# (Mahidol University's RILCA SDG pages, lc.mahidol.ac.th/sdgs/SDGs11.htm); the un.or.th list
# itself could not be reached to confirm 10 and 12-17 word for word. The five Ps are the
# areas named in the Agenda's preamble (people, planet, prosperity, peace, partnership); their
# Thai renderings here are ours, not from a published list: check them before relying on them.
UN_SDG = Framework(
    key="un-sdg",
    title_th="เป้าหมายการพัฒนาที่ยั่งยืน 17 เป้าหมาย (SDGs) และมิติ 5P",
    title_en="The 17 Sustainable Development Goals (SDGs) and the five Ps",
    strategies=(
        Entry("SDG1", "ขจัดความยากจน", "No poverty"),
        Entry("SDG2", "ขจัดความหิวโหย", "Zero hunger"),
        Entry("SDG3", "การมีสุขภาพและความเป็นอยู่ที่ดี", "Good health and well-being"),
        Entry("SDG4", "การศึกษาที่เท่าเทียม", "Quality education"),
        Entry("SDG5", "ความเท่าเทียมทางเพศ", "Gender equality"),
        Entry("SDG6", "การจัดการน้ำและสุขาภิบาล", "Clean water and sanitation"),
        Entry("SDG7", "พลังงานสะอาดที่ทุกคนเข้าถึงได้", "Affordable and clean energy"),
        Entry("SDG8", "การจ้างงานที่มีคุณค่าและการเติบโตทางเศรษฐกิจ", "Decent work and economic growth"),
        Entry("SDG9", "อุตสาหกรรม นวัตกรรม และโครงสร้างพื้นฐาน", "Industry, innovation and infrastructure"),
        Entry("SDG10", "ลดความเหลื่อมล้ำ", "Reduced inequalities"),
        Entry("SDG11", "เมืองและถิ่นฐานมนุษย์อย่างยั่งยืน", "Sustainable cities and communities"),
        Entry("SDG12", "แผนการบริโภคและการผลิตที่ยั่งยืน", "Responsible consumption and production"),
        Entry("SDG13", "การรับมือการเปลี่ยนแปลงสภาพภูมิอากาศ", "Climate action"),
        Entry("SDG14", "การใช้ประโยชน์จากมหาสมุทรและทรัพยากรทางทะเล", "Life below water"),
        Entry("SDG15", "การใช้ประโยชน์จากระบบนิเวศทางบก", "Life on land"),
        Entry("SDG16", "สังคมสงบสุข ยุติธรรม ไม่แบ่งแยก", "Peace, justice and strong institutions"),
        Entry("SDG17", "ความร่วมมือเพื่อการพัฒนาที่ยั่งยืน", "Partnerships for the goals"),
    ),
    reform_areas=(
        Entry("P1", "ประชาชน", "People"),
        Entry("P2", "โลก", "Planet"),
        Entry("P3", "ความมั่งคั่ง", "Prosperity"),
        Entry("P4", "สันติภาพ", "Peace"),
        Entry("P5", "หุ้นส่วนความร่วมมือ", "Partnership"),
    ),
    labels=(("เป้าหมาย", "Goals"), ("มิติ 5P", "Pillars")),
)

PRESETS: dict[str, Framework] = {f.key: f for f in (TH_NATIONAL_2018, TH_NATIONAL_2021, UN_SDG)}
