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
