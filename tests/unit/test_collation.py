import unicodedata

from contest.collation import person_sort_key, sort_key


def test_vietnamese_alphabet_order():
    words = ["Đức", "Dung", "Ân", "An", "Ăn", "Bình", "Ơn", "Ôn", "On", "Ưng", "Uyên", "Ê", "E"]
    assert sorted(words, key=sort_key) == [
        "An",
        "Ăn",
        "Ân",
        "Bình",
        "Dung",
        "Đức",
        "E",
        "Ê",
        "On",
        "Ôn",
        "Ơn",
        "Uyên",
        "Ưng",
    ]


def test_tones_are_secondary_differences():
    assert sorted(["Ánh", "Anh", "Ảnh", "Ạnh", "Ãnh", "Ành"], key=sort_key) == [
        "Anh",
        "Ành",
        "Ảnh",
        "Ãnh",
        "Ánh",
        "Ạnh",
    ]
    # A tone never outweighs a later letter: "Ánh" < "Anhx".
    assert sort_key("Ánh") < sort_key("Anhx")


def test_decomposed_input_sorts_like_composed():
    composed = "Nguyễn Thị Hằng"
    assert sort_key(unicodedata.normalize("NFD", composed)) == sort_key(composed)


def test_people_sort_by_given_name_first():
    people = [("Nguyễn", "Văn", "Bình"), ("Trần", "Thị", "An"), ("Lê", "", "An")]
    ordered = sorted(people, key=lambda p: person_sort_key(p[2], p[0], p[1]))
    assert ordered == [("Lê", "", "An"), ("Trần", "Thị", "An"), ("Nguyễn", "Văn", "Bình")]


def test_users_are_named_family_name_first():
    from django.contrib.auth.models import User

    from contest.templatetags.people import display_name

    assert display_name(User(username="u", first_name="Ngọc", last_name="Đỗ Thị Minh")) == (
        "Đỗ Thị Minh Ngọc"
    )
    assert display_name(User(username="judge7")) == "judge7"


def test_digits_sort_in_numeric_order_and_before_letters():
    from contest.collation import sort_key

    names = ["Tổ 10", "Tổ 9", "Tổ 1", "Tổ a", "Tổ 0"]
    assert sorted(names, key=sort_key) == ["Tổ 0", "Tổ 1", "Tổ 10", "Tổ 9", "Tổ a"]
    assert sort_key("Tổ 9") < sort_key("Tổ a")
    assert len({len(sort_key(f"x{d}")) for d in "0123456789"}) == 1


def split_name(full_name: str) -> tuple[str, str, str]:
    """Family name first, given name last, the middle names between, as Vietnamese write."""
    parts = full_name.split()
    return parts[-1], parts[0], " ".join(parts[1:-1])


def test_a_list_of_real_names_sorts_by_given_name_then_the_rest_whatever_the_input_form():
    names = [
        "Nguyễn Thị Hằng Ngữ",
        "Trần Văn Bình",
        "Lê Thị Ánh Tuyết",
        "Phạm Minh Đức",
        "Đỗ Văn Dũng",
        "Hoàng Thị Thanh Thủy",
        "Vũ Đình Ân",
        "Bùi Thị An",
        "Đặng Quốc Ăn",
        "Ngô Thị Ơn",
        "Dương Văn Ôn",
        "Lý Thị Uyên",
        "Trịnh Văn Ưng",
        "Nguyễn Văn Bình",
        "Phan Thị Thu Hà",
        "Mai Anh Tuấn",
        "Tạ Thị Tuyết",
    ]
    expected = [
        "Bùi Thị An",  # a < ă < â
        "Đặng Quốc Ăn",
        "Vũ Đình Ân",
        "Nguyễn Văn Bình",  # one given name: then the family name, Nguyễn before Trần
        "Trần Văn Bình",
        "Đỗ Văn Dũng",  # d < đ
        "Phạm Minh Đức",
        "Phan Thị Thu Hà",
        "Nguyễn Thị Hằng Ngữ",
        "Dương Văn Ôn",  # o < ô < ơ
        "Ngô Thị Ơn",
        "Hoàng Thị Thanh Thủy",
        "Mai Anh Tuấn",
        "Lê Thị Ánh Tuyết",
        "Tạ Thị Tuyết",
        "Lý Thị Uyên",  # u < ư
        "Trịnh Văn Ưng",
    ]

    def key(name: str) -> str:
        return person_sort_key(*split_name(name))

    decomposed = [unicodedata.normalize("NFD", name) for name in names]
    assert sorted(names, key=key) == expected
    assert [unicodedata.normalize("NFC", n) for n in sorted(decomposed, key=key)] == sorted(
        names, key=key
    )
