"""The score sheet input's shortcut for well-formed tablet sheets gives exactly what its DRF
fields give, and leaves everything else (and every error message) to them."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from scoring.api.serializers import ScoreSheetInputSerializer, well_formed_sheet

good_ids = st.integers(min_value=1, max_value=2**63 - 1)
ids = st.one_of(
    good_ids,
    st.integers(min_value=-3, max_value=2**64),
    st.sampled_from([0, 2**63 - 1, 2**63, True, False, None, "5", 5.0, "x"]),
)
good_marks = st.from_regex(r"[0-9]{0,7}([.,][0-9]{0,7})?", fullmatch=True)
mark_values = st.one_of(
    *[good_marks] * 8,
    st.sampled_from([" 8", "8 ", "7.5\x00", "abc", "8" * 21, "-1", "1e3", "", " "]),
    st.text(max_size=22),
    st.integers(),
    st.none(),
    st.booleans(),
)
marks = st.dictionaries(st.text(max_size=5), mark_values, max_size=4)
other_marks = st.one_of(st.lists(st.text(), max_size=2), st.none(), st.text())
other_submits = st.sampled_from(["true", 0, 1, None, "no"])
# Mostly close to what tablets send, each part sometimes off; sometimes parts missing.
bodies = st.one_of(
    st.fixed_dictionaries(
        {
            "round": st.one_of(good_ids, good_ids, ids),
            "entry": st.one_of(good_ids, good_ids, ids),
            "marks": st.one_of(marks, marks, marks, other_marks),
        },
        optional={
            "judge": st.one_of(good_ids, ids),
            "submit": st.one_of(st.booleans(), st.booleans(), other_submits),
            "unknown": st.integers(),
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "round": ids,
            "entry": ids,
            "judge": ids,
            "marks": st.one_of(marks, other_marks),
            "submit": st.one_of(st.booleans(), other_submits),
        },
    ),
)


def through_the_fields(body):
    """What DRF's fields make of the body: (True, validated data) or (False, errors)."""

    class Plain(ScoreSheetInputSerializer):
        def run_validation(self, data=serializers.empty):
            return serializers.Serializer.run_validation(self, data)

    serializer = Plain(data=body)
    if serializer.is_valid():
        return True, dict(serializer.validated_data)
    return False, serializer.errors


@settings(max_examples=600, deadline=None)
@given(bodies)
def test_the_shortcut_agrees_with_the_fields(body):
    shortcut = well_formed_sheet(body)
    valid, result = through_the_fields(body)
    if shortcut is not None:
        assert valid and shortcut == result
    serializer = ScoreSheetInputSerializer(data=body)
    assert serializer.is_valid() == valid
    assert (dict(serializer.validated_data) if valid else serializer.errors) == result


def test_a_tablets_sheet_takes_the_shortcut():
    body = {"round": 3, "entry": 7, "marks": {"content": "8.5", "delivery": "7,5", "x": ""}}
    assert well_formed_sheet(body) == {**body, "submit": True}
    assert well_formed_sheet({**body, "judge": 4, "submit": False})["judge"] == 4
    many = {**body, "marks": {str(i): "1" for i in range(101)}}
    assert well_formed_sheet(many) is None
    serializer = ScoreSheetInputSerializer(data=many)
    assert not serializer.is_valid() and serializer.errors == {"marks": ["Too many marks."]}
