"""Demo data: the 2019 "Dân vận khéo" presenter contest of the bloc of Hà Nội city agencies.

`load_demo()` builds, in one transaction, the unit tree (the city, the Đảng ủy Khối các cơ quan
Thành phố and its 68 grassroots Party organisations), the 2019 initiatives (244 collective,
98 individual), the bloc contest with 37 approved entries scheduled in four clusters, a scored
and published preliminary round, a final that one judge has not scored yet, the city contest
the winners advance to, and a 2020 bloc contest open for signup.

Everything generated comes from one `random.Random(2019)` consumed in a fixed order, so two
loads into empty databases give the same names, titles, marks and running orders. The load is
keyed by the bloc contest's slug: when it exists, nothing is written.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from certificates.models import CertificateTemplate
from contest.models import (
    Contest,
    Entry,
    EntryPresenter,
    Field,
    Initiative,
    Membership,
    Person,
    Role,
    Unit,
    nfc,
)
from contest.services import PresenterInput, approve_entry, change_contest_status, create_person
from scheduling.models import Round, Session, Slot
from scheduling.selectors import slot_for_judging
from scheduling.services import (
    SeatInput,
    create_panel,
    create_session,
    draw_running_order,
    publish_schedule,
    set_round_status,
)
from scoring.models import Criterion, Prize, Ranking, Rubric, RubricPart, ScoreSheet
from scoring.services import compute_ranking, publish_ranking, save_score_sheet

User = get_user_model()

PASSWORD = "hoithi2019"
SEED = 2019
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

CITY_CONTEST_SLUG = "dan-van-kheo-thanh-pho-2019"
BLOC_CONTEST_SLUG = "dan-van-kheo-khoi-2019"
NEXT_CONTEST_SLUG = "dan-van-kheo-khoi-2020"

CITY_CODE = "thanh-pho-ha-noi"
BLOC_CODE = "dang-uy-khoi-cac-co-quan-tp"
REPRESENTED_UNIT = "so-noi-vu"
MOST_COLLECTIVE_UNIT = "so-xay-dung"  # 16 collective initiatives, more than any other unit
MOST_INDIVIDUAL_UNIT = "uy-ban-mttq-tp"  # 45 individual initiatives, more than any other unit

COLLECTIVE_TOTAL = 244
INDIVIDUAL_TOTAL = 98
MOST_COLLECTIVE = 16
MOST_INDIVIDUAL = 45
FINALISTS = 7

PC = Unit.Kind.PARTY_COMMITTEE
CELL = Unit.Kind.PARTY_CELL
ECO = Field.ECONOMY
CUL = Field.CULTURE_SOCIETY
POL = Field.POLITICAL_SYSTEM
DEF = Field.DEFENCE_SECURITY
FIELDS = [ECO, CUL, POL, DEF]

# (code, name, short name, kind, the field most of the unit's initiatives are in)
# Units that merged into one in 2025 (the unit tree is kept per year).
MERGED_IN_2025 = ("so-tai-chinh", "so-ke-hoach-dau-tu")
MERGED_FINANCE_CODE = "so-tai-chinh-2025"

GRASSROOTS_UNITS: list[tuple[str, str, str, str, str]] = [
    # 37 đảng bộ / đảng ủy
    ("so-noi-vu", "Đảng bộ cơ quan Sở Nội vụ", "Sở Nội vụ", PC, POL),
    ("so-tai-chinh", "Đảng bộ Sở Tài chính", "Sở Tài chính", PC, ECO),
    (
        "so-tai-nguyen-moi-truong",
        "Đảng bộ Sở Tài nguyên và Môi trường",
        "Sở Tài nguyên và Môi trường",
        PC,
        ECO,
    ),
    ("cuc-thue", "Đảng bộ Cục Thuế", "Cục Thuế Thành phố", PC, ECO),
    ("so-xay-dung", "Đảng ủy cơ quan Sở Xây dựng", "Sở Xây dựng", PC, ECO),
    (
        "uy-ban-mttq-tp",
        "Đảng ủy cơ quan Ủy ban MTTQ Thành phố",
        "Ủy ban Mặt trận Tổ quốc Việt Nam Thành phố",
        PC,
        POL,
    ),
    ("thanh-tra-tp", "Đảng bộ Thanh tra Thành phố", "Thanh tra Thành phố", PC, POL),
    ("van-phong-ubnd-tp", "Đảng bộ Văn phòng UBND Thành phố", "Văn phòng UBND Thành phố", PC, POL),
    ("so-ke-hoach-dau-tu", "Đảng bộ Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư", PC, ECO),
    ("so-giao-duc-dao-tao", "Đảng bộ Sở Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo", PC, CUL),
    ("so-y-te", "Đảng bộ Sở Y tế", "Sở Y tế", PC, CUL),
    ("so-cong-thuong", "Đảng bộ Sở Công Thương", "Sở Công Thương", PC, ECO),
    ("so-giao-thong-van-tai", "Đảng bộ Sở Giao thông vận tải", "Sở Giao thông vận tải", PC, DEF),
    ("so-van-hoa-the-thao", "Đảng bộ Sở Văn hóa và Thể thao", "Sở Văn hóa và Thể thao", PC, CUL),
    (
        "so-lao-dong-tbxh",
        "Đảng bộ Sở Lao động - Thương binh và Xã hội",
        "Sở Lao động - Thương binh và Xã hội",
        PC,
        CUL,
    ),
    ("so-tu-phap", "Đảng bộ Sở Tư pháp", "Sở Tư pháp", PC, DEF),
    (
        "so-khoa-hoc-cong-nghe",
        "Đảng bộ Sở Khoa học và Công nghệ",
        "Sở Khoa học và Công nghệ",
        PC,
        ECO,
    ),
    (
        "so-thong-tin-truyen-thong",
        "Đảng bộ Sở Thông tin và Truyền thông",
        "Sở Thông tin và Truyền thông",
        PC,
        DEF,
    ),
    (
        "so-nong-nghiep-ptnt",
        "Đảng bộ Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Nông nghiệp và Phát triển nông thôn",
        PC,
        ECO,
    ),
    (
        "so-quy-hoach-kien-truc",
        "Đảng bộ Sở Quy hoạch - Kiến trúc",
        "Sở Quy hoạch - Kiến trúc",
        PC,
        ECO,
    ),
    ("van-phong-thanh-uy", "Đảng bộ Văn phòng Thành ủy", "Văn phòng Thành ủy", PC, POL),
    ("thanh-doan", "Đảng bộ cơ quan Thành đoàn", "Thành đoàn Hà Nội", PC, CUL),
    (
        "lien-doan-lao-dong-tp",
        "Đảng bộ cơ quan Liên đoàn Lao động Thành phố",
        "Liên đoàn Lao động Thành phố",
        PC,
        POL,
    ),
    ("bao-hanoimoi", "Đảng bộ Báo Hànộimới", "Báo Hànộimới", PC, CUL),
    ("bao-kinh-te-do-thi", "Đảng bộ Báo Kinh tế & Đô thị", "Báo Kinh tế & Đô thị", PC, CUL),
    (
        "dai-phat-thanh-truyen-hinh",
        "Đảng bộ Đài Phát thanh và Truyền hình Hà Nội",
        "Đài Phát thanh và Truyền hình Hà Nội",
        PC,
        CUL,
    ),
    ("kho-bac-nha-nuoc", "Đảng bộ Kho bạc Nhà nước Hà Nội", "Kho bạc Nhà nước Hà Nội", PC, ECO),
    (
        "bao-hiem-xa-hoi-tp",
        "Đảng bộ Bảo hiểm xã hội Thành phố",
        "Bảo hiểm xã hội Thành phố",
        PC,
        CUL,
    ),
    ("cuc-hai-quan-tp", "Đảng bộ Cục Hải quan Thành phố", "Cục Hải quan Thành phố", PC, ECO),
    (
        "toa-an-nhan-dan-tp",
        "Đảng bộ Tòa án nhân dân Thành phố",
        "Tòa án nhân dân Thành phố",
        PC,
        DEF,
    ),
    (
        "vien-kiem-sat-nhan-dan-tp",
        "Đảng bộ Viện Kiểm sát nhân dân Thành phố",
        "Viện Kiểm sát nhân dân Thành phố",
        PC,
        DEF,
    ),
    (
        "cuc-thi-hanh-an-dan-su",
        "Đảng bộ Cục Thi hành án dân sự Thành phố",
        "Cục Thi hành án dân sự Thành phố",
        PC,
        DEF,
    ),
    (
        "truong-dao-tao-can-bo-le-hong-phong",
        "Đảng bộ Trường Đào tạo cán bộ Lê Hồng Phong",
        "Trường Đào tạo cán bộ Lê Hồng Phong",
        PC,
        POL,
    ),
    (
        "ban-quan-ly-khu-cong-nghiep",
        "Đảng bộ Ban Quản lý các khu công nghiệp và chế xuất",
        "Ban Quản lý các khu công nghiệp và chế xuất",
        PC,
        ECO,
    ),
    (
        "ban-qlda-giao-thong",
        "Đảng bộ Ban Quản lý dự án đầu tư xây dựng công trình giao thông Thành phố",
        "Ban Quản lý dự án công trình giao thông",
        PC,
        ECO,
    ),
    (
        "ban-qlda-dan-dung-cong-nghiep",
        "Đảng bộ Ban Quản lý dự án đầu tư xây dựng công trình dân dụng và công nghiệp Thành phố",
        "Ban Quản lý dự án công trình dân dụng và công nghiệp",
        PC,
        ECO,
    ),
    (
        "cuc-quan-ly-thi-truong",
        "Đảng bộ Cục Quản lý thị trường Thành phố",
        "Cục Quản lý thị trường Thành phố",
        PC,
        DEF,
    ),
    # 31 chi bộ cơ sở
    (
        "ban-noi-chinh-thanh-uy",
        "Chi bộ cơ quan Ban Nội chính Thành ủy",
        "Ban Nội chính Thành ủy",
        CELL,
        DEF,
    ),
    (
        "ban-tuyen-giao-thanh-uy",
        "Chi bộ cơ quan Ban Tuyên giáo Thành ủy",
        "Ban Tuyên giáo Thành ủy",
        CELL,
        POL,
    ),
    (
        "ban-to-chuc-thanh-uy",
        "Chi bộ cơ quan Ban Tổ chức Thành ủy",
        "Ban Tổ chức Thành ủy",
        CELL,
        POL,
    ),
    (
        "ban-dan-van-thanh-uy",
        "Chi bộ cơ quan Ban Dân vận Thành ủy",
        "Ban Dân vận Thành ủy",
        CELL,
        POL,
    ),
    (
        "uy-ban-kiem-tra-thanh-uy",
        "Chi bộ cơ quan Ủy ban Kiểm tra Thành ủy",
        "Ủy ban Kiểm tra Thành ủy",
        CELL,
        POL,
    ),
    ("so-ngoai-vu", "Chi bộ Sở Ngoại vụ", "Sở Ngoại vụ", CELL, CUL),
    ("so-du-lich", "Chi bộ Sở Du lịch", "Sở Du lịch", CELL, ECO),
    (
        "hoi-lien-hiep-phu-nu-tp",
        "Chi bộ cơ quan Hội Liên hiệp Phụ nữ Thành phố",
        "Hội Liên hiệp Phụ nữ Thành phố",
        CELL,
        CUL,
    ),
    (
        "hoi-nong-dan-tp",
        "Chi bộ cơ quan Hội Nông dân Thành phố",
        "Hội Nông dân Thành phố",
        CELL,
        ECO,
    ),
    (
        "hoi-cuu-chien-binh-tp",
        "Chi bộ cơ quan Hội Cựu chiến binh Thành phố",
        "Hội Cựu chiến binh Thành phố",
        CELL,
        DEF,
    ),
    ("cuc-thong-ke-tp", "Chi bộ Cục Thống kê Thành phố", "Cục Thống kê Thành phố", CELL, ECO),
    (
        "van-phong-doan-dbqh-hdnd",
        "Chi bộ Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân Thành phố",
        "Văn phòng Đoàn ĐBQH và HĐND Thành phố",
        CELL,
        POL,
    ),
    (
        "lien-hiep-hoi-khkt",
        "Chi bộ Liên hiệp các Hội Khoa học và Kỹ thuật Thành phố",
        "Liên hiệp các Hội Khoa học và Kỹ thuật Thành phố",
        CELL,
        ECO,
    ),
    (
        "lien-hiep-to-chuc-huu-nghi",
        "Chi bộ Liên hiệp các tổ chức hữu nghị Thành phố",
        "Liên hiệp các tổ chức hữu nghị Thành phố",
        CELL,
        CUL,
    ),
    (
        "hoi-van-hoc-nghe-thuat",
        "Chi bộ Hội Văn học nghệ thuật Hà Nội",
        "Hội Văn học nghệ thuật Hà Nội",
        CELL,
        CUL,
    ),
    (
        "hoi-chu-thap-do-tp",
        "Chi bộ Hội Chữ thập đỏ Thành phố",
        "Hội Chữ thập đỏ Thành phố",
        CELL,
        CUL,
    ),
    ("hoi-luat-gia-tp", "Chi bộ Hội Luật gia Thành phố", "Hội Luật gia Thành phố", CELL, DEF),
    ("hoi-nha-bao-tp", "Chi bộ Hội Nhà báo Thành phố", "Hội Nhà báo Thành phố", CELL, CUL),
    (
        "lien-minh-hop-tac-xa",
        "Chi bộ Liên minh Hợp tác xã Thành phố",
        "Liên minh Hợp tác xã Thành phố",
        CELL,
        ECO,
    ),
    (
        "ngan-hang-nha-nuoc-ha-noi",
        "Chi bộ Ngân hàng Nhà nước Chi nhánh Thành phố Hà Nội",
        "Ngân hàng Nhà nước Chi nhánh Hà Nội",
        CELL,
        ECO,
    ),
    ("ban-dan-toc-tp", "Chi bộ Ban Dân tộc Thành phố", "Ban Dân tộc Thành phố", CELL, CUL),
    ("tap-chi-nguoi-ha-noi", "Chi bộ Tạp chí Người Hà Nội", "Tạp chí Người Hà Nội", CELL, CUL),
    ("hoi-khuyen-hoc-tp", "Chi bộ Hội Khuyến học Thành phố", "Hội Khuyến học Thành phố", CELL, CUL),
    ("hoi-nguoi-mu-tp", "Chi bộ Hội Người mù Thành phố", "Hội Người mù Thành phố", CELL, CUL),
    (
        "hoi-nan-nhan-da-cam",
        "Chi bộ Hội Nạn nhân chất độc da cam/dioxin Thành phố",
        "Hội Nạn nhân chất độc da cam/dioxin Thành phố",
        CELL,
        CUL,
    ),
    (
        "ban-qlda-van-hoa-xa-hoi",
        "Chi bộ Ban Quản lý dự án đầu tư xây dựng công trình văn hóa - xã hội Thành phố",
        "Ban Quản lý dự án công trình văn hóa - xã hội",
        CELL,
        ECO,
    ),
    (
        "vien-nghien-cuu-phat-trien",
        "Chi bộ Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội",
        "Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội",
        CELL,
        ECO,
    ),
    (
        "ban-tiep-cong-dan-tp",
        "Chi bộ Ban Tiếp công dân Thành phố",
        "Ban Tiếp công dân Thành phố",
        CELL,
        POL,
    ),
    (
        "trung-tam-xuc-tien",
        "Chi bộ Trung tâm Xúc tiến Đầu tư, Thương mại, Du lịch Thành phố",
        "Trung tâm Xúc tiến Đầu tư, Thương mại, Du lịch Thành phố",
        CELL,
        ECO,
    ),
    ("nha-xuat-ban-ha-noi", "Chi bộ Nhà xuất bản Hà Nội", "Nhà xuất bản Hà Nội", CELL, CUL),
    (
        "quy-dau-tu-phat-trien",
        "Chi bộ Quỹ Đầu tư phát triển Thành phố Hà Nội",
        "Quỹ Đầu tư phát triển Thành phố Hà Nội",
        CELL,
        ECO,
    ),
]

# What initiatives are about, by field: noun phrases that follow "trong ...".
TOPICS: dict[str, list[str]] = {
    ECO: [
        "vận động nhân dân bàn giao mặt bằng xây dựng các công trình giao thông trọng điểm",
        "hỗ trợ doanh nghiệp nhỏ và vừa tiếp cận nguồn vốn, mở rộng sản xuất kinh doanh",
        "tuyên truyền, hướng dẫn người nộp thuế kê khai và nộp thuế điện tử",
        "xây dựng nông thôn mới kiểu mẫu",
        "phát triển sản phẩm OCOP gắn với làng nghề truyền thống",
        "chỉnh trang đô thị, giữ gìn trật tự xây dựng trên địa bàn",
        "thực hiện thủ tục hải quan điện tử, tạo thuận lợi cho doanh nghiệp xuất nhập khẩu",
        "thu hút đầu tư vào các khu công nghiệp và chế xuất",
        "quản lý, sử dụng tiết kiệm, hiệu quả ngân sách nhà nước",
        "tuyên truyền thanh toán không dùng tiền mặt",
        "đưa hàng Việt về nông thôn, bình ổn thị trường",
        "cải tạo, xây dựng lại chung cư cũ",
        "hỗ trợ hợp tác xã nông nghiệp liên kết tiêu thụ sản phẩm",
        "thu hồi nợ đọng thuế, chống thất thu ngân sách",
    ],
    CUL: [
        "xây dựng người Hà Nội thanh lịch, văn minh",
        "thực hiện văn hóa học đường",
        "chăm sóc sức khỏe ban đầu cho người dân tại cơ sở",
        "vận động nhân dân phân loại rác thải tại nguồn",
        "giúp đỡ hộ nghèo, hộ cận nghèo thoát nghèo bền vững",
        "phát triển bảo hiểm xã hội tự nguyện và bảo hiểm y tế hộ gia đình",
        "xây dựng gia đình văn hóa, tổ dân phố văn hóa",
        "bảo vệ môi trường, chống rác thải nhựa",
        "chăm lo đời sống người có công với cách mạng",
        "xây dựng tủ sách pháp luật ở khu dân cư",
        "vận động hiến máu tình nguyện",
        "thực hiện nếp sống văn minh trong việc cưới, việc tang và lễ hội",
        "chăm lo cho người khuyết tật và trẻ em có hoàn cảnh đặc biệt",
        "phát triển văn hóa đọc trong cán bộ, đảng viên và nhân dân",
    ],
    POL: [
        "cải cách hành chính, nâng cao chất lượng phục vụ người dân và doanh nghiệp",
        "tiếp công dân, giải quyết khiếu nại, tố cáo ngay từ cơ sở",
        "thực hiện quy chế dân chủ ở cơ sở",
        "xây dựng tổ chức cơ sở đảng trong sạch, vững mạnh",
        "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
        "nâng cao chất lượng sinh hoạt chi bộ",
        "xây dựng đội ngũ cán bộ, công chức trọng dân, gần dân, hiểu dân, giúp dân",
        "tiếp nhận và trả kết quả hồ sơ theo cơ chế một cửa liên thông",
        "số hóa hồ sơ, tài liệu lưu trữ",
        "giám sát và phản biện xã hội",
        "kết nạp đảng viên từ đoàn viên thanh niên ưu tú",
        "đối thoại giữa người đứng đầu với cán bộ, công chức, người lao động",
        "thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị",
        "lấy ý kiến nhân dân đối với cán bộ, đảng viên",
    ],
    DEF: [
        "giữ gìn an ninh trật tự ở khu dân cư",
        "phòng, chống ma túy học đường",
        "đấu tranh với thông tin xấu, độc trên không gian mạng",
        "phòng cháy, chữa cháy tại chung cư cao tầng",
        "xây dựng khu dân cư an toàn về an ninh trật tự",
        "hòa giải ở cơ sở",
        "vận động thanh niên lên đường nhập ngũ",
        "đấu tranh chống buôn lậu, gian lận thương mại và hàng giả",
        "bảo đảm trật tự an toàn giao thông",
        "giúp người chấp hành xong án phạt tù tái hòa nhập cộng đồng",
        "vận động đương sự tự nguyện thi hành án dân sự",
        "phòng ngừa tội phạm và vi phạm pháp luật trong thanh thiếu niên",
    ],
}

TEMPLATES: dict[str, list[str]] = {
    Initiative.Kind.COLLECTIVE: [
        "Mô hình “Dân vận khéo” trong {topic}",
        "Nâng cao hiệu quả công tác dân vận trong {topic}",
        "Phát huy vai trò các tổ chức đoàn thể trong {topic}",
        "Tổ tự quản tham gia {topic}",
        "Cơ quan “Dân vận khéo” trong {topic}",
        "Đổi mới phương thức tuyên truyền, vận động trong {topic}",
        "Chi bộ gương mẫu đi đầu trong {topic}",
    ],
    Initiative.Kind.INDIVIDUAL: [
        "Đảng viên gương mẫu trong {topic}",
        "Cán bộ “Dân vận khéo” trong {topic}",
        "Công chức trách nhiệm, tận tụy trong {topic}",
        "Người đứng đầu sâu sát, gần dân trong {topic}",
        "Nữ cán bộ tiêu biểu trong {topic}",
        "Gương người tốt, việc tốt trong {topic}",
        "Kinh nghiệm vận động quần chúng của cá nhân trong {topic}",
    ],
}

# Titles that do not follow a template, with their field.
STANDALONE_TITLES: dict[str, list[tuple[str, str]]] = {
    Initiative.Kind.COLLECTIVE: [
        ("Số hóa hồ sơ, rút ngắn thời gian giải quyết thủ tục cho người dân", POL),
        ("Tổ tự quản “Khu phố văn minh, sạch đẹp, an toàn”", CUL),
        ("“Ngày thứ Bảy tình nguyện” vì cộng đồng", CUL),
        ("“Mỗi tuần một việc tốt” của tuổi trẻ cơ quan", CUL),
        ("“Nghe dân nói, nói dân hiểu, làm dân tin”", POL),
        ("“Tiếp dân chủ động, giải quyết dứt điểm” tại bộ phận một cửa", POL),
        ("Camera an ninh kết nối khu dân cư", DEF),
    ],
    Initiative.Kind.INDIVIDUAL: [
        ("Nữ đảng viên vận động hội viên làm kinh tế giỏi", ECO),
        ("Tổ trưởng dân phố gương mẫu, tận tâm với cộng đồng", CUL),
        ("Cựu chiến binh giữ gìn “phố bình yên”", DEF),
        ("Báo cáo viên đưa nghị quyết vào cuộc sống bằng những câu chuyện gần gũi", POL),
    ],
}

# Topics particular to a unit's work: (topic, field).
UNIT_TOPICS: dict[str, list[tuple[str, str]]] = {
    "so-xay-dung": [
        ("giải phóng mặt bằng tuyến đường Vành đai 2", ECO),
        ("cải tạo, xây dựng lại chung cư cũ", ECO),
        ("di dời hộ dân ra khỏi chung cư cũ nguy hiểm", DEF),
        ("quản lý trật tự xây dựng đô thị", ECO),
        ("cấp giấy phép xây dựng trực tuyến", POL),
        ("quản lý vận hành nhà chung cư", CUL),
        ("phát triển nhà ở xã hội cho công nhân, người thu nhập thấp", CUL),
        ("quản lý chiếu sáng, cây xanh và thoát nước đô thị", ECO),
        ("xử lý vi phạm trật tự xây dựng", DEF),
    ],
    "uy-ban-mttq-tp": [
        ("cuộc vận động “Toàn dân đoàn kết xây dựng đời sống văn hóa ở khu dân cư”", CUL),
        ("cuộc vận động “Người Việt Nam ưu tiên dùng hàng Việt Nam”", ECO),
        ("vận động Quỹ “Vì người nghèo”", CUL),
        ("giám sát và phản biện xã hội của Mặt trận", POL),
        ("xây dựng Ban Công tác Mặt trận ở khu dân cư", POL),
        ("tổng hợp ý kiến, kiến nghị của cử tri", POL),
        ("hoạt động của Ban Thanh tra nhân dân", POL),
        ("hoạt động của Ban Giám sát đầu tư của cộng đồng", ECO),
        ("vận động đồng bào tôn giáo sống “tốt đời, đẹp đạo”", DEF),
        ("tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư", CUL),
    ],
    "cuc-thue": [
        ("tuyên truyền, hỗ trợ người nộp thuế", ECO),
        ("triển khai hóa đơn điện tử cho hộ kinh doanh", ECO),
        ("quản lý thuế hộ kinh doanh cá thể", ECO),
    ],
    "so-noi-vu": [
        ("tuyển dụng công chức, viên chức công khai, minh bạch", POL),
        ("xây dựng chính quyền điện tử", POL),
        ("quản lý nhà nước về tín ngưỡng, tôn giáo", DEF),
        ("thi đua, khen thưởng người tốt, việc tốt", CUL),
    ],
    "so-y-te": [
        ("tiêm chủng mở rộng cho trẻ em", CUL),
        ("khám bệnh theo hẹn, giảm thời gian chờ của người bệnh", CUL),
        ("đổi mới phong cách, thái độ phục vụ của cán bộ y tế", POL),
    ],
    "so-giao-duc-dao-tao": [
        ("tổ chức tuyển sinh đầu cấp trực tuyến", POL),
        ("xây dựng trường học hạnh phúc", CUL),
    ],
    "bao-hiem-xa-hoi-tp": [
        ("chi trả lương hưu, trợ cấp bảo hiểm xã hội qua bưu điện", CUL),
        ("giao dịch điện tử về bảo hiểm xã hội", POL),
    ],
    "so-tu-phap": [
        ("trợ giúp pháp lý cho người nghèo", DEF),
        ("phổ biến, giáo dục pháp luật cho nhân dân", DEF),
    ],
    "so-giao-thong-van-tai": [
        ("tổ chức giao thông khu vực trường học", DEF),
        ("vận động người dân đi xe buýt công cộng", ECO),
    ],
    "cuc-hai-quan-tp": [
        ("đối thoại với doanh nghiệp xuất nhập khẩu", ECO),
    ],
    "thanh-doan": [
        ("tổ chức hoạt động tình nguyện vì cộng đồng", CUL),
        ("vận động đoàn viên chung tay xây dựng văn minh đô thị", CUL),
    ],
    "so-tai-nguyen-moi-truong": [
        ("cấp giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình", ECO),
        ("thu hồi đất, bồi thường, hỗ trợ tái định cư", ECO),
    ],
}

SUMMARIES = [
    "{unit} triển khai mô hình từ năm {year}, được cấp ủy chỉ đạo, đoàn thể phối hợp thực "
    "hiện và được người dân, doanh nghiệp đồng tình hưởng ứng.",
    "Mô hình do {unit} xây dựng từ năm {year}, gắn công tác dân vận với nhiệm vụ chuyên môn "
    "của cơ quan; kết quả được sơ kết, nhân rộng trong toàn Khối.",
    "Từ năm {year}, {unit} cụ thể hóa phương châm “dân biết, dân bàn, dân làm, dân kiểm tra, "
    "dân giám sát, dân thụ hưởng” thành việc làm thường xuyên của cán bộ, đảng viên.",
]

FAMILY_NAMES = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 1),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 1),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 1),
    ("Ngô", 1),
    ("Dương", 1),
    ("Lý", 1),
]
MIDDLE_NAMES = {
    "f": ["Thị", "Thị", "Thị", "Thu", "Thanh", "Hồng", "Ngọc", "Minh", "Phương", "Kim", "Thúy"],
    "m": ["Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Ngọc", "Mạnh", "Xuân", "Trọng"],
}
GIVEN_NAMES = {
    "f": [
        "Anh",
        "Châu",
        "Giang",
        "Hà",
        "Hằng",
        "Hường",
        "Linh",
        "Mai",
        "Nga",
        "Ngữ",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Trang",
        "Vân",
        "Yến",
        "Ánh",
        "Hoa",
        "Lan",
        "Huyền",
        "Thủy",
        "Nhung",
    ],
    "m": [
        "An",
        "Anh",
        "Bình",
        "Dũng",
        "Đức",
        "Giang",
        "Khánh",
        "Sơn",
        "Tuấn",
        "Ước",
        "Hùng",
        "Hải",
        "Long",
        "Nam",
        "Phong",
        "Quân",
        "Thắng",
        "Trung",
        "Việt",
        "Cường",
    ],
}
POSITIONS = [
    "Chuyên viên",
    "Chuyên viên chính",
    "Phó Trưởng phòng",
    "Trưởng phòng",
    "Phó Chánh Văn phòng",
    "Bí thư Chi đoàn",
    "Chủ tịch Công đoàn cơ sở",
    "Phó Bí thư Đảng ủy",
    "Ủy viên Ban Chấp hành Đảng bộ",
    "Trưởng ban Nữ công",
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    family: str
    middle: str
    given: str
    role: str
    try_this: str
    superuser: bool = False


# The demo logins, in the order they are printed. The presenter's name is the finalist's.
DEMO_USERS = [
    DemoUser(
        "admin",
        "",
        "",
        "Quản trị viên",
        "superuser",
        "/admin/ — every table; acts as organiser in every contest",
        superuser=True,
    ),
    DemoUser(
        "bantochuc",
        "Trần",
        "Thị Hồng",
        "Nhung",
        "organiser (2019, 2020)",
        "/rounds/{preliminary}/rankings/ (published), /rounds/{final}/rankings/ (4 of 5 "
        "judges in, not published); approve the pending 2020 entries",
    ),
    DemoUser(
        "thuky",
        "Lê",
        "Thu",
        "Trang",
        "secretary",
        f"/contests/{BLOC_CONTEST_SLUG}/ — every entry of the contest",
    ),
    DemoUser(
        "truongbgk",
        "Phạm",
        "Quang",
        "Vinh",
        "head judge",
        "/judge/ — final sheets submitted (rankings stay hidden from judges until published)",
    ),
    DemoUser(
        "giamkhao1",
        "Đỗ",
        "Thị Minh",
        "Ngọc",
        "judge",
        "/judge/sessions/{final_session}/ — has NOT scored the final yet: score it here",
    ),
    DemoUser("giamkhao2", "Vũ", "Đức", "Thắng", "judge", "final sheets already submitted"),
    DemoUser(
        "giamkhao3",
        "Hoàng",
        "Thị Thanh",
        "Thủy",
        "judge",
        "/judge/sessions/{own_unit_session}/ — the entry of the judge's own unit (Trường Lê "
        "Hồng Phong) is left out of the running order",
    ),
    DemoUser("giamkhao4", "Bùi", "Minh", "Khánh", "judge", "final sheets already submitted"),
    DemoUser(
        "donvi",
        "Nguyễn",
        "Thị Hải",
        "Yến",
        "unit representative (Sở Nội vụ)",
        f"/contests/{NEXT_CONTEST_SLUG}/signup/ — sign up an initiative for 2020",
    ),
    DemoUser(
        "baocaovien",
        "",
        "",
        "",
        "presenter (finalist)",
        f"/contests/{BLOC_CONTEST_SLUG}/ — a presenter of a finalist ({{finalist}})",
    ),
]

# (username, is head judge, own unit code), in seat order: only giamkhao3's unit has an entry.
JUDGES = [
    ("truongbgk", True, BLOC_CODE),
    ("giamkhao1", False, "ban-dan-van-thanh-uy"),
    ("giamkhao2", False, "ban-tuyen-giao-thanh-uy"),
    ("giamkhao3", False, "truong-dao-tao-can-bo-le-hong-phong"),
    ("giamkhao4", False, BLOC_CODE),
]
FINAL_SILENT_JUDGE = "giamkhao1"

# (name, tier, quota)
PRIZES = [
    ("Giải Nhất", Prize.Tier.FIRST, 1),
    ("Giải Nhì", Prize.Tier.SECOND, 2),
    ("Giải Ba", Prize.Tier.THIRD, 2),
    ("Giải Khuyến khích", Prize.Tier.CONSOLATION, 2),
]

# Rubric parts: (part name, [(code, criterion name, weight, step)]); every criterion is 0–10.
PRELIMINARY_RUBRIC = [
    ("Đề cương", [("noi-dung-de-cuong", "Nội dung đề cương", "3", "0.25")]),
    (
        "Trình bày",
        [
            ("noi-dung-trinh-bay", "Nội dung trình bày", "3", "0.25"),
            ("ky-nang-thuyet-trinh", "Kỹ năng thuyết trình", "2", "0.25"),
            ("phong-cach-ngon-ngu", "Phong cách, ngôn ngữ", "1", "0.5"),
        ],
    ),
]
FINAL_RUBRIC = [
    *PRELIMINARY_RUBRIC,
    (
        "Trả lời câu hỏi",
        [
            ("tra-loi-cau-hoi", "Trả lời câu hỏi của Ban giám khảo", "1", "0.5"),
        ],
    ),
]

# Time allowed on stage for the talk, and its overtime penalties (from 1 minute over, 0.5
# point; from 2 minutes over, 1 point): the head judge's timer proposes them.
TALK_MINUTES, TALK_PENALTIES = Decimal(15), [(1, Decimal("0.5")), (2, Decimal(1))]

CLUSTERS = [
    ("Cụm 1", datetime(2019, 10, 8, 8, 0, tzinfo=TZ), "Hội trường tầng 2"),
    ("Cụm 2", datetime(2019, 10, 8, 13, 30, tzinfo=TZ), "Hội trường tầng 2"),
    ("Cụm 3", datetime(2019, 10, 9, 8, 0, tzinfo=TZ), "Phòng họp tầng 3"),
    ("Cụm 4", datetime(2019, 10, 9, 13, 30, tzinfo=TZ), "Phòng họp tầng 3"),
]
FINAL_SESSION = ("Chung khảo", datetime(2019, 10, 22, 8, 0, tzinfo=TZ), "Hội trường tầng 2")

# 2020 entries awaiting approval: (unit code, kind).
PENDING_2020 = [
    ("so-tai-chinh", Initiative.Kind.COLLECTIVE),
    ("so-y-te", Initiative.Kind.COLLECTIVE),
    ("thanh-doan", Initiative.Kind.INDIVIDUAL),
    ("cuc-thue", Initiative.Kind.COLLECTIVE),
]


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    untouched_users: list[str] = field(default_factory=list)


def is_loaded() -> bool:
    return Contest.objects.filter(slug=BLOC_CONTEST_SLUG).exists()


def load_demo() -> DemoResult:
    """Build the demo, or do nothing if it is there already."""
    if is_loaded():
        return DemoResult(created=False, counts=demo_counts())
    with transaction.atomic():
        if Contest.objects.select_for_update().filter(slug=BLOC_CONTEST_SLUG).exists():
            return DemoResult(created=False, counts=demo_counts())
        builder = _Builder(random.Random(SEED))
        builder.build()
    return DemoResult(created=True, counts=demo_counts(), untouched_users=builder.untouched_users)


def demo_counts() -> dict[str, int]:
    initiatives = Initiative.objects.filter(year=2019)
    return {
        "grassroots units": Unit.objects.filter(parent__code=BLOC_CODE).count(),
        "collective initiatives 2019": initiatives.filter(kind=Initiative.Kind.COLLECTIVE).count(),
        "individual initiatives 2019": initiatives.filter(kind=Initiative.Kind.INDIVIDUAL).count(),
        "people": Person.objects.count(),
        "entries 2019 (bloc)": Entry.objects.filter(contest__slug=BLOC_CONTEST_SLUG).count(),
        "entries 2020 (pending)": Entry.objects.filter(contest__slug=NEXT_CONTEST_SLUG).count(),
        "score sheets": ScoreSheet.objects.filter(round__contest__slug=BLOC_CONTEST_SLUG).count(),
        "rankings": Ranking.objects.filter(round__contest__slug=BLOC_CONTEST_SLUG).count(),
    }


def _quantise(value: float, step: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """The mark nearest `value` on the criterion's step, kept within [low, high]."""
    steps = (Decimal(str(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    lowest = (low / step).to_integral_value(rounding=ROUND_CEILING)
    highest = (high / step).to_integral_value(rounding=ROUND_FLOOR)
    return min(max(steps, lowest), highest) * step


class _Builder:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.units: dict[str, Unit] = {}
        self.users: dict[str, object] = {}
        self.untouched_users: list[str] = []
        self.used_names: set[str] = set()

    # --- people and names -------------------------------------------------------------------

    def person_name(self) -> tuple[str, str, str]:
        rng = self.rng
        families = [name for name, _weight in FAMILY_NAMES]
        weights = [weight for _name, weight in FAMILY_NAMES]
        while True:
            sex = rng.choice("fm")
            family = rng.choices(families, weights)[0]
            middle = rng.choice(MIDDLE_NAMES[sex])
            given = rng.choice(GIVEN_NAMES[sex])
            full = f"{family} {middle} {given}"
            if full not in self.used_names:
                self.used_names.add(full)
                return family, middle, given

    def new_person(self, unit: Unit) -> Person:
        family, middle, given = self.person_name()
        return create_person(
            PresenterInput(
                full_name=nfc(f"{family} {middle} {given}"),
                family_name=nfc(family),
                middle_name=nfc(middle),
                given_name=nfc(given),
                position=nfc(self.rng.choice(POSITIONS)),
            ),
            unit=unit,
        )

    # --- the build ------------------------------------------------------------------------

    def build(self) -> None:
        self.create_units()
        initiatives = self.create_initiatives()
        self.create_users()
        _city, bloc, next_bloc = self.create_contests()
        self.create_memberships(bloc, next_bloc)
        organiser = self.users["bantochuc"]
        change_contest_status(contest=bloc, to_status=Contest.Status.SIGNUP_OPEN, actor=organiser)
        entries = self.create_entries(bloc, initiatives)
        entries = [approve_entry(entry=entry, actor=organiser) for entry in entries]
        change_contest_status(contest=bloc, to_status=Contest.Status.SIGNUP_CLOSED, actor=organiser)
        self.create_prizes_and_template(bloc)
        preliminary, final = self.create_rounds(bloc)
        panel = create_panel(
            contest=bloc,
            name="Ban giám khảo",
            seats=[
                SeatInput(judge=self.users[username], head=head) for username, head, _code in JUDGES
            ],
            actor=organiser,
        )
        self.schedule_preliminary(preliminary, panel, entries)
        publish_schedule(round=preliminary, actor=organiser, note=nfc("Lịch thi vòng sơ khảo"))
        change_contest_status(contest=bloc, to_status=Contest.Status.SCHEDULED, actor=organiser)
        change_contest_status(contest=bloc, to_status=Contest.Status.JUDGING, actor=organiser)
        set_round_status(round=preliminary, status=Round.Status.OPEN, actor=organiser)
        quality = {entry.pk: self.rng.uniform(6.9, 9.1) for entry in entries}
        self.score_round(preliminary, entries, quality, skip=set())
        ranking = compute_ranking(round=preliminary)
        publish_ranking(ranking=ranking, actor=organiser)
        set_round_status(round=preliminary, status=Round.Status.CLOSED, actor=organiser)

        finalists = [
            standing.entry
            for standing in ranking.standings.select_related("entry").order_by("rank", "id")[
                :FINALISTS
            ]
        ]
        self.schedule_final(final, panel, finalists)
        publish_schedule(round=final, actor=organiser, note=nfc("Lịch thi chung khảo"))
        set_round_status(round=final, status=Round.Status.OPEN, actor=organiser)
        final_quality = {
            entry.pk: quality[entry.pk] + self.rng.uniform(-0.3, 0.3) for entry in finalists
        }
        self.score_round(final, finalists, final_quality, skip={FINAL_SILENT_JUDGE})
        compute_ranking(round=final)
        self.create_presenter_login(bloc, finalists[0])

        change_contest_status(
            contest=next_bloc, to_status=Contest.Status.SIGNUP_OPEN, actor=organiser
        )
        self.create_pending_entries(next_bloc)

    def create_units(self) -> None:
        city, _created = Unit.objects.update_or_create(
            code=CITY_CODE,
            defaults={
                "name": nfc("Thành phố Hà Nội"),
                "short_name": nfc("Hà Nội"),
                "kind": Unit.Kind.OTHER,
                "level": Unit.Level.CITY,
                "parent": None,
            },
        )
        bloc, _created = Unit.objects.update_or_create(
            code=BLOC_CODE,
            defaults={
                "name": nfc("Đảng ủy Khối các cơ quan Thành phố Hà Nội"),
                "short_name": nfc("Đảng ủy Khối các cơ quan Thành phố"),
                "kind": Unit.Kind.PARTY_COMMITTEE,
                "level": Unit.Level.BLOC,
                "parent": city,
            },
        )
        self.units = {CITY_CODE: city, BLOC_CODE: bloc}
        for code, name, short_name, kind, _field in GRASSROOTS_UNITS:
            unit, _created = Unit.objects.update_or_create(
                code=code,
                defaults={
                    "name": nfc(name),
                    "short_name": nfc(short_name),
                    "kind": kind,
                    "level": Unit.Level.GRASSROOTS,
                    "parent": bloc,
                },
            )
            self.units[code] = unit
        self.merge_units_of_2025(bloc)

    def merge_units_of_2025(self, bloc: Unit) -> None:
        """In 2025 the Department of Planning and Investment merged into the Department of
        Finance: both old units end in 2024 and continue as one new unit, so a 2019 contest
        keeps its 2019 names."""
        merged, _created = Unit.objects.update_or_create(
            code=MERGED_FINANCE_CODE,
            defaults={
                "name": nfc("Đảng bộ Sở Tài chính"),
                "short_name": nfc("Sở Tài chính"),
                "kind": Unit.Kind.PARTY_COMMITTEE,
                "level": Unit.Level.GRASSROOTS,
                "parent": bloc,
                "valid_from_year": 2025,
            },
        )
        for code in MERGED_IN_2025:
            Unit.objects.filter(code=code).update(valid_to_year=2024, successor=merged)
        self.units[MERGED_FINANCE_CODE] = merged

    def initiative_counts(self) -> dict[str, tuple[int, int]]:
        """(collective, individual) per grassroots unit: every unit has at least one collective
        initiative; two units hold the maxima, every other unit strictly fewer."""
        rng = self.rng
        others = [row for row in GRASSROOTS_UNITS if row[0] != MOST_COLLECTIVE_UNIT]
        collective = {row[0]: 1 for row in others}
        remaining = COLLECTIVE_TOTAL - MOST_COLLECTIVE - len(others)
        while remaining:
            code = rng.choices(others, [3 if row[3] == PC else 1 for row in others])[0][0]
            if collective[code] < 12:
                collective[code] += 1
                remaining -= 1
        collective[MOST_COLLECTIVE_UNIT] = MOST_COLLECTIVE

        others = [row for row in GRASSROOTS_UNITS if row[0] != MOST_INDIVIDUAL_UNIT]
        individual = {row[0]: 0 for row in others}
        remaining = INDIVIDUAL_TOTAL - MOST_INDIVIDUAL
        while remaining:
            code = rng.choices(others, [2 if row[3] == PC else 1 for row in others])[0][0]
            if individual[code] < 5:
                individual[code] += 1
                remaining -= 1
        individual[MOST_INDIVIDUAL_UNIT] = MOST_INDIVIDUAL
        return {row[0]: (collective[row[0]], individual[row[0]]) for row in GRASSROOTS_UNITS}

    def initiative_titles(self, code: str, kind: str, count: int, used: set[str]):
        """`count` distinct (title, field) pairs for a unit: about its own work when it has
        particular topics, otherwise mostly in its main field."""
        rng = self.rng
        main_field = next(row[4] for row in GRASSROOTS_UNITS if row[0] == code)
        specific = UNIT_TOPICS.get(code, [])
        titles: list[tuple[str, str]] = []
        while len(titles) < count:
            if specific and rng.random() < 0.5:
                topic, topic_field = rng.choice(specific)
                title = rng.choice(TEMPLATES[kind]).format(topic=topic)
            else:
                topic_field = main_field if rng.random() < 0.7 else rng.choice(FIELDS)
                standalone = [row for row in STANDALONE_TITLES[kind] if row[1] == topic_field]
                if standalone and rng.random() < 0.1:
                    title = rng.choice(standalone)[0]
                else:
                    topic = rng.choice(TOPICS[topic_field])
                    title = rng.choice(TEMPLATES[kind]).format(topic=topic)
            title = nfc(title)
            if title not in used:
                used.add(title)
                titles.append((title, topic_field))
        return titles

    def create_initiatives(self, year: int = 2019) -> dict[str, list[Initiative]]:
        counts = self.initiative_counts()
        rows: list[Initiative] = []
        for code, _name, short_name, _kind, _field in GRASSROOTS_UNITS:
            used: set[str] = set()
            collective, individual = counts[code]
            for kind, count in (
                (Initiative.Kind.COLLECTIVE, collective),
                (Initiative.Kind.INDIVIDUAL, individual),
            ):
                for title, topic_field in self.initiative_titles(code, kind, count, used):
                    rows.append(
                        Initiative(
                            title=title,
                            field=topic_field,
                            kind=kind,
                            unit=self.units[code],
                            year=year,
                            summary=nfc(
                                self.rng.choice(SUMMARIES).format(
                                    unit=short_name, year=self.rng.choice([2016, 2017, 2018])
                                )
                            ),
                        )
                    )
        Initiative.objects.bulk_create(rows)
        by_unit: dict[str, list[Initiative]] = {}
        for initiative in (
            Initiative.objects.filter(year=year, unit__parent=self.units[BLOC_CODE])
            .select_related("unit")
            .order_by("id")
        ):
            by_unit.setdefault(initiative.unit.code, []).append(initiative)
        return by_unit

    def create_users(self) -> None:
        # One hash for the one demo password: hashing is deliberately slow, and it is shared.
        password = make_password(PASSWORD)
        for spec in DEMO_USERS:
            if spec.username == "baocaovien":
                continue  # created with the finalist's name, see create_presenter_login
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": nfc(spec.given),
                    "last_name": nfc(f"{spec.family} {spec.middle}".strip()),
                    "password": password,
                    "is_staff": spec.superuser,
                    "is_superuser": spec.superuser,
                },
            )
            if not created:
                self.untouched_users.append(spec.username)
            self.users[spec.username] = user
        self.password_hash = password

    def create_contests(self) -> tuple[Contest, Contest, Contest]:
        city, _created = Contest.objects.get_or_create(
            slug=CITY_CONTEST_SLUG,
            defaults={
                "name": nfc(
                    "Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” gắn với thực hiện "
                    "Chỉ thị 05 cấp Thành phố năm 2019"
                ),
                "level": Contest.Level.CITY,
                "year": 2019,
                "organising_unit": self.units[CITY_CODE],
                "status": Contest.Status.DRAFT,
                "place": nfc("Hà Nội"),
            },
        )
        bloc = Contest.objects.create(
            slug=BLOC_CONTEST_SLUG,
            name=nfc(
                "Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” gắn với thực hiện "
                "Chỉ thị 05 năm 2019"
            ),
            level=Contest.Level.BLOC,
            year=2019,
            organising_unit=self.units[BLOC_CODE],
            advances_to=city,
            status=Contest.Status.DRAFT,
            place=nfc("Hà Nội"),
            description=nfc(
                "Hội thi do Đảng ủy Khối các cơ quan Thành phố tổ chức cho báo cáo viên của "
                "37 đảng bộ trực thuộc, giới thiệu các mô hình “Dân vận khéo” tiêu biểu gắn với "
                "thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị. Vòng sơ khảo thi theo 4 cụm; "
                "7 bài dự thi có điểm cao nhất vào vòng chung khảo. Các giải cao nhất được chọn "
                "tham dự Hội thi cấp Thành phố."
            ),
        )
        next_bloc, _created = Contest.objects.get_or_create(
            slug=NEXT_CONTEST_SLUG,
            defaults={
                "name": nfc(
                    "Hội thi báo cáo viên giới thiệu mô hình “Dân vận khéo” gắn với thực hiện "
                    "Chỉ thị 05 năm 2020"
                ),
                "level": Contest.Level.BLOC,
                "year": 2020,
                "organising_unit": self.units[BLOC_CODE],
                "status": Contest.Status.DRAFT,
                "place": nfc("Hà Nội"),
            },
        )
        return city, bloc, next_bloc

    def create_memberships(self, bloc: Contest, next_bloc: Contest) -> None:
        users = self.users
        rows = [
            Membership(
                contest=bloc,
                user=users["bantochuc"],
                role=Role.ORGANISER,
                unit=self.units[BLOC_CODE],
            ),
            Membership(
                contest=bloc, user=users["thuky"], role=Role.SECRETARY, unit=self.units[BLOC_CODE]
            ),
            Membership(
                contest=bloc,
                user=users["donvi"],
                role=Role.UNIT_REPRESENTATIVE,
                unit=self.units[REPRESENTED_UNIT],
            ),
        ]
        for username, head, code in JUDGES:
            rows.append(
                Membership(
                    contest=bloc,
                    user=users[username],
                    role=Role.HEAD_JUDGE if head else Role.JUDGE,
                    unit=self.units[code],
                )
            )
        Membership.objects.bulk_create(rows)
        for user, role, unit in (
            (users["bantochuc"], Role.ORGANISER, self.units[BLOC_CODE]),
            (users["donvi"], Role.UNIT_REPRESENTATIVE, self.units[REPRESENTED_UNIT]),
        ):
            Membership.objects.get_or_create(
                contest=next_bloc, user=user, role=role, defaults={"unit": unit}
            )

    def create_entries(
        self, bloc: Contest, initiatives: dict[str, list[Initiative]]
    ) -> list[Entry]:
        """One approved entry per đảng bộ, preferably an initiative about the unit's own work."""
        entries: list[Entry] = []
        for code, _name, _short, kind, main_field in GRASSROOTS_UNITS:
            if kind != PC:
                continue
            unit = self.units[code]
            specific = [topic for topic, _field in UNIT_TOPICS.get(code, [])]
            own = [
                i
                for i in initiatives[code]
                if any(topic in i.title for topic in specific)
                or (not specific and i.field == main_field)
            ] or initiatives[code]
            collective = [i for i in own if i.kind == Initiative.Kind.COLLECTIVE]
            individual = [i for i in own if i.kind == Initiative.Kind.INDIVIDUAL]
            if individual and (not collective or self.rng.random() < 0.25):
                initiative = self.rng.choice(individual)
            else:
                initiative = self.rng.choice(collective)
            entry = Entry.objects.create(
                contest=bloc,
                unit=unit,
                initiative=initiative,
                submitted_by=self.users["donvi"] if code == REPRESENTED_UNIT else None,
            )
            presenters = 1
            if initiative.kind == Initiative.Kind.COLLECTIVE and self.rng.random() < 0.35:
                presenters = 2
            EntryPresenter.objects.bulk_create(
                EntryPresenter(entry=entry, person=self.new_person(unit), order=order)
                for order in range(1, presenters + 1)
            )
            entries.append(entry)
        return entries

    def create_prizes_and_template(self, bloc: Contest) -> None:
        Prize.objects.bulk_create(
            Prize(contest=bloc, name=nfc(name), tier=tier, quota=quota, order=order)
            for order, (name, tier, quota) in enumerate(PRIZES, start=1)
        )
        CertificateTemplate.objects.create(
            contest=bloc,
            theme=CertificateTemplate.Theme.PARTY,
            superior_body=nfc("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"),
            issuing_body=nfc("ĐẢNG ỦY KHỐI CÁC CƠ QUAN THÀNH PHỐ"),
            number_suffix=nfc("GCN/ĐUK"),
            signing_on_behalf=nfc("T/M BAN THƯỜNG VỤ"),
            signer_title=nfc("PHÓ BÍ THƯ"),
            signer_name=nfc("Nguyễn Thị Minh Hằng"),
        )

    def create_rounds(self, bloc: Contest) -> tuple[Round, Round]:
        # Both rounds exist before any publication: publishing the last round fixes the prizes.
        rounds = []
        for sequence, name, kind, parts in (
            (1, "Vòng sơ khảo", Round.Kind.PRELIMINARY, PRELIMINARY_RUBRIC),
            (2, "Vòng chung khảo", Round.Kind.FINAL, FINAL_RUBRIC),
        ):
            round = Round.objects.create(contest=bloc, name=nfc(name), kind=kind, sequence=sequence)
            rubric = Rubric.objects.create(round=round)
            order = 0
            for part_order, (part_name, criteria) in enumerate(parts, start=1):
                talk = part_name == "Trình bày"
                part = RubricPart.objects.create(
                    rubric=rubric,
                    name=nfc(part_name),
                    order=part_order,
                    minutes=TALK_MINUTES if talk else None,
                )
                for minutes_over, points in TALK_PENALTIES if talk else ():
                    part.penalty_rules.create(minutes_over=minutes_over, points=points)
                for code, criterion_name, weight, step in criteria:
                    order += 1
                    Criterion.objects.create(
                        rubric=rubric,
                        part=part,
                        code=code,
                        name=nfc(criterion_name),
                        max_score=Decimal(10),
                        step=Decimal(step),
                        weight=Decimal(weight),
                        order=order,
                    )
            rounds.append(round)
        return rounds[0], rounds[1]

    def draw(self, session: Session, witnesses: str) -> None:
        draw_running_order(
            session=session,
            actor=self.users["bantochuc"],
            witnesses=nfc(witnesses),
            seed=f"{self.rng.getrandbits(256):064x}",
        )

    def schedule_preliminary(self, round: Round, panel, entries: list[Entry]) -> None:
        shuffled = list(entries)
        self.rng.shuffle(shuffled)
        size, extra = divmod(len(shuffled), len(CLUSTERS))
        start = 0
        for index, (name, starts_at, room) in enumerate(CLUSTERS):
            end = start + size + (1 if index < extra else 0)
            session = create_session(
                round=round,
                name=nfc(name),
                starts_at=starts_at,
                panel=panel,
                actor=self.users["bantochuc"],
                room_name=nfc(room),
                entries=shuffled[start:end],
            )
            self.draw(
                session,
                f"Đồng chí Trần Thị Hồng Nhung (Ban Tổ chức); đại diện {end - start} đơn vị "
                f"dự thi {name}",
            )
            start = end

    def schedule_final(self, round: Round, panel, finalists: list[Entry]) -> None:
        name, starts_at, room = FINAL_SESSION
        session = create_session(
            round=round,
            name=nfc(name),
            starts_at=starts_at,
            panel=panel,
            actor=self.users["bantochuc"],
            room_name=nfc(room),
            entries=finalists,
        )
        self.draw(
            session,
            "Đồng chí Trần Thị Hồng Nhung (Ban Tổ chức); Tổ thư ký; đại diện 7 đơn vị vào chung "
            "khảo",
        )

    def score_round(
        self, round: Round, entries: list[Entry], quality: dict[int, float], skip: set[str]
    ) -> None:
        """Every judge not in `skip` submits a sheet for every entry they may judge."""
        criteria = list(Criterion.objects.filter(rubric__round=round).order_by("order"))
        low, high = Decimal("6.0"), Decimal("9.75")
        for username, _head, _code in JUDGES:
            judge = self.users[username]
            leniency = self.rng.uniform(-0.35, 0.35)
            for entry in entries:
                # Marks are drawn even for sheets not submitted, so the stream stays fixed.
                marks = {
                    criterion.code: str(
                        _quantise(
                            quality[entry.pk] + leniency + self.rng.gauss(0, 0.3),
                            criterion.step,
                            low,
                            high,
                        )
                    )
                    for criterion in criteria
                }
                if username in skip or slot_for_judging(judge, round.pk, entry.pk) is None:
                    continue
                save_score_sheet(judge=judge, round=round, entry=entry, marks=marks, submit=True)

    def create_presenter_login(self, bloc: Contest, entry: Entry) -> None:
        person = entry.presenters.order_by("presenter_links__order").first()
        spec = next(spec for spec in DEMO_USERS if spec.username == "baocaovien")
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": person.given_name,
                "last_name": f"{person.family_name} {person.middle_name}".strip(),
                "email": "baocaovien@hoithi.local",
                "password": self.password_hash,
            },
        )
        if not created:
            self.untouched_users.append(spec.username)
        if not Person.objects.filter(user=user).exists():
            person.user = user
            person.email = "baocaovien@hoithi.local"
            person.save(update_fields=["user", "email"])
        Membership.objects.get_or_create(
            contest=bloc, user=user, role=Role.PRESENTER, defaults={"person": person}
        )
        self.users[spec.username] = user

    def create_pending_entries(self, next_bloc: Contest) -> None:
        for code, kind in PENDING_2020:
            unit = self.units[code]
            used = set(
                Initiative.objects.filter(unit=unit, year=2020).values_list("title", flat=True)
            )
            [(title, topic_field)] = self.initiative_titles(code, kind, 1, used)
            initiative = Initiative.objects.create(
                title=title,
                field=topic_field,
                kind=kind,
                unit=unit,
                year=2020,
            )
            entry = Entry.objects.create(contest=next_bloc, unit=unit, initiative=initiative)
            EntryPresenter.objects.create(entry=entry, person=self.new_person(unit), order=1)


def logins() -> list[tuple[str, str, str]]:
    """(username, role, what to try) of the demo accounts, in print order, with the ids of
    the loaded rounds and sessions filled in."""
    rounds = {
        round.sequence: round
        for round in Round.objects.filter(contest__slug=BLOC_CONTEST_SLUG).prefetch_related(
            "sessions"
        )
    }
    if set(rounds) != {1, 2}:
        return [(spec.username, spec.role, "") for spec in DEMO_USERS]
    own_unit = next(code for username, _head, code in JUDGES if username == "giamkhao3")
    # The final's session if the judge's own unit reached it, else the preliminary cluster.
    own_slot = (
        Slot.objects.filter(round__in=rounds.values(), entry__unit__code=own_unit)
        .order_by("-round__sequence")
        .first()
    )
    presenter = Person.objects.filter(user__username="baocaovien").select_related("unit").first()
    final_session = rounds[2].sessions.first()
    values = {
        "preliminary": rounds[1].pk,
        "final": rounds[2].pk,
        "final_session": final_session.pk if final_session else "?",
        "own_unit_session": own_slot.session_id if own_slot else "?",
        "finalist": presenter.unit.short_name if presenter and presenter.unit else "?",
    }
    return [(spec.username, spec.role, spec.try_this.format(**values)) for spec in DEMO_USERS]
