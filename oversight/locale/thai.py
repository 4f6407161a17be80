"""The Thai messages of oversight, kept as data: `python oversight/locale/thai.py` writes them into
locale/th/LC_MESSAGES/django.po (after `manage.py makemessages -l th` in oversight/) and compiles
the .mo with gettext's msgfmt. Needs polib (an authoring tool, not a runtime dependency)."""

THAI = {
    "Agency code": "รหัสหน่วยงาน",
    "Name (Thai)": "ชื่อ (ไทย)",
    "Name (English)": "ชื่อ (อังกฤษ)",
    "Received": "รับเรื่อง",
    "Done": "เสร็จสิ้น",
    "Median hours to first response": "มัธยฐานชั่วโมงถึงการตอบรับครั้งแรก",
    "Median hours to done": "มัธยฐานชั่วโมงถึงเสร็จสิ้น",
    "Open now": "ค้างอยู่ขณะนี้",
    "Overdue now": "เกินกำหนดขณะนี้",
    "Share overdue": "สัดส่วนเกินกำหนด",
    "Reopen rate": "อัตราเปิดเรื่องซ้ำ",
    "Ratings": "จำนวนผลประเมิน",
    "Mean rating": "คะแนนความพึงพอใจเฉลี่ย",
    "Agencies": "หน่วยงาน",
    "Weeks": "รายสัปดาห์",
    "ISO week": "สัปดาห์ (ISO)",
    "Monday": "วันจันทร์",
    "This page is for operators.": "หน้านี้สำหรับผู้ดูแลระบบเท่านั้น",
    "area: a province (2 digits) or district (4 digits) code": "พื้นที่: รหัสจังหวัด (2 หลัก) หรืออำเภอ (4 หลัก)",
    "%(name)s: a date as YYYY-MM-DD": "%(name)s: วันที่ในรูปแบบ ปปปป-ดด-วว (ค.ศ.)",
    "since is after until": "วันเริ่มต้นอยู่หลังวันสิ้นสุด",
    "at most %(days)d days at once": "เลือกได้ไม่เกิน %(days)d วันต่อครั้ง",
    "month: YYYY-MM in the common era, e.g. 2026-11": "เดือน: ปปปป-ดด เป็น ค.ศ. เช่น 2026-11",
    "sort: one of %(keys)s, '-' first for descending": "การเรียง: หนึ่งใน %(keys)s ใส่ '-' ข้างหน้าเพื่อเรียงจากมากไปน้อย",
    "Bad request": "คำขอไม่ถูกต้อง",
    "Start again": "เริ่มใหม่",
    "Oversight": "ภาพรวมสำหรับผู้บริหาร",
    "Complaints": "เรื่องร้องเรียน",
    "Main": "เมนูหลัก",
    "Executives' view": "ภาพรวมผู้บริหาร",
    "Returned and forwarded": "เรื่องที่ถูกส่งคืนและส่งต่อ",
    "Map": "แผนที่",
    "Area and period": "พื้นที่และช่วงเวลา",
    "Area": "พื้นที่",
    "From": "ตั้งแต่",
    "To": "ถึง",
    "Show": "แสดง",
    "Monthly report %(report_month)s (PDF)": "รายงานประจำเดือน %(report_month)s (PDF)",
    "Whole area": "ทั้งพื้นที่",
    "received": "รับเรื่อง",
    "done": "เสร็จสิ้น",
    "overdue now": "เกินกำหนดขณะนี้",
    "open": "ค้างอยู่",
    "reopened": "เปิดเรื่องซ้ำ",
    "Agencies side by side": "เปรียบเทียบหน่วยงาน",
    "Agency": "หน่วยงาน",
    "No agency yet (waiting for an operator)": "ยังไม่มีหน่วยงาน (รอผู้ดูแลระบบ)",
    "Median to first response": "เวลาตอบรับ (มัธยฐาน)",
    "Median to done": "เวลาถึงเสร็จ (มัธยฐาน)",
    "No complaints in this area and period.": "ไม่มีเรื่องร้องเรียนในพื้นที่และช่วงเวลานี้",
    "Received and done: complaints filed in the period (a merged duplicate counts once); share overdue: of the"
    " work open now; mean rating from 5 ratings on.": "รับเรื่องและเสร็จสิ้น: นับเรื่องที่ยื่นในช่วงเวลานี้"
    " (เรื่องซ้ำที่รวมแล้วนับครั้งเดียว); สัดส่วนเกินกำหนด: จากงานที่ค้างอยู่ขณะนี้;"
    " คะแนนเฉลี่ยแสดงเมื่อมีผลประเมินตั้งแต่ 5 รายการ",
    "Trend by week": "แนวโน้มรายสัปดาห์",
    "Overdue work now": "งานที่เกินกำหนดขณะนี้",
    "Map of overdue complaints": "แผนที่เรื่องที่เกินกำหนด",
    "Province": "จังหวัด",
    "Monthly report": "รายงานประจำเดือน",
    "Page": "หน้า",
    "Report on complaints handled": "รายงานผลการจัดการเรื่องร้องเรียน",
    "month of": "ประจำเดือน",
    "Summary": "สรุป",
    "Received and done: complaints filed in the month (a merged duplicate counts once); share overdue: of the"
    " work open when printed; mean rating from 5 ratings on. Printed %(printed)s.": "รับเรื่องและเสร็จสิ้น:"
    " นับเรื่องที่ยื่นในเดือนนี้ (เรื่องซ้ำที่รวมแล้วนับครั้งเดียว); สัดส่วนเกินกำหนด: จากงานที่ค้างอยู่ ณ วันพิมพ์;"
    " คะแนนเฉลี่ยแสดงเมื่อมีผลประเมินตั้งแต่ 5 รายการ พิมพ์เมื่อ %(printed)s",
    "moves": "ครั้ง",
    'Complaints officers sent back as "not ours" or forwarded to another agency, grouped by the routing rule'
    " and the subdistrict that had sent them there. A large group points at a rule or a boundary to fix.": (
        'เรื่องที่เจ้าหน้าที่ส่งคืนว่า "ไม่ใช่ของเรา" หรือส่งต่อให้หน่วยงานอื่น จัดกลุ่มตามกฎการส่งเรื่อง'
        "และตำบลที่ส่งเรื่องไป กลุ่มที่ใหญ่ชี้ว่ากฎหรือขอบเขตใดควรแก้ไข"
    ),
    "Area code (province or district)": "รหัสพื้นที่ (จังหวัดหรืออำเภอ)",
    "Kind": "ประเภท",
    "Rule": "กฎ",
    "Place": "สถานที่",
    "Moves": "จำนวนครั้ง",
    "From agencies": "จากหน่วยงาน",
    "Examples": "ตัวอย่าง",
    "not ours": "ไม่ใช่ของเรา",
    "forwarded": "ส่งต่อ",
    "rule": "กฎ",
    "inactive": "ปิดใช้งาน",
    "no rule": "ไม่มีกฎ",
    "complaints": "เรื่อง",
    "Nothing returned or forwarded in this period.": "ไม่มีเรื่องที่ถูกส่งคืนหรือส่งต่อในช่วงเวลานี้",
    "Received and done per week": "รับเรื่องและเสร็จสิ้นรายสัปดาห์",
    "ISO weeks": "สัปดาห์ตาม ISO",
    "%(value).1f d": "%(value).1f วัน",
    "%(value).1f h": "%(value).1f ชม.",
    "This page is for executives and operators.": "หน้านี้สำหรับผู้บริหารและผู้ดูแลระบบ",
    "No such area for you.": "ไม่พบพื้นที่นี้ในสิทธิ์ของท่าน",
}
PLURALS = {
    "%(counter)s agency received complaints filed in this area this month.": {
        0: "มี %(counter)s หน่วยงานได้รับเรื่องร้องเรียนในพื้นที่นี้ในเดือนนี้"
    },
}

if __name__ == "__main__":
    import subprocess
    from pathlib import Path

    import polib

    here = Path(__file__).resolve().parent / "th" / "LC_MESSAGES"
    po = polib.pofile(str(here / "django.po"))
    po.metadata.update(
        {
            "Project-Id-Version": "oversight",
            "Language-Team": "Thai",
            "Language": "th",
            "Plural-Forms": "nplurals=1; plural=0;",
            "Content-Type": "text/plain; charset=UTF-8",
        }
    )
    missing = []
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = PLURALS.get(entry.msgid, {}) or entry.msgstr_plural
        elif entry.msgid in THAI:
            entry.msgstr = THAI[entry.msgid]
        else:
            missing.append(entry.msgid)
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
    po.save()
    subprocess.run(["msgfmt", "--check", "-o", str(here / "django.mo"), str(here / "django.po")], check=True)
    print("missing:", missing)
