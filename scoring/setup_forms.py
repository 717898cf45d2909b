"""Forms of the organiser pages that set up rounds, their rubrics and the contest's prizes.

They check the shape of the input; the rules (steps, maxima, when a rubric is fixed, which
prize may change) are the services', so the pages and any other caller obey the same ones."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import Round
from scoring.models import Criterion, Prize, Rubric, RubricPart

STEP_CHOICES = [("0.25", "0.25"), ("0.5", "0.5"), ("1", "1")]
NUMBER = r"[0-9]{1,4}(?:[.,][0-9]{1,4})?"
# "8–10: Xuất sắc" (any dash; a decimal point or comma), or "10: Xuất sắc" for one mark.
DESCRIPTOR_LINE = re.compile(rf"\s*({NUMBER})\s*(?:[-–—]\s*({NUMBER})\s*)?:\s*(.*?)\s*")


def plain(value) -> str:
    """10, 8.5, 0.25: a stored decimal as it is typed, without trailing zeros."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


class DecimalText(forms.CharField):
    """A number typed with a decimal point or the Vietnamese decimal comma."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "class": "w-7"})

    def to_python(self, value):
        text = super().to_python(value).strip()
        if not text:
            return None
        if not re.fullmatch(r"-?" + NUMBER, text):
            raise forms.ValidationError(_("Enter a number."))
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation as error:  # pragma: no cover - the pattern admits none
            raise forms.ValidationError(_("Enter a number.")) from error

    def prepare_value(self, value):
        return plain(value) if isinstance(value, Decimal) else value


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Round.Kind.choices)
    sequence = forms.IntegerField(
        label=_("Order among the rounds"), min_value=1, max_value=1000, required=False
    )


class NewRoundForm(RoundForm):
    """A round and its rubric at once; the rest of the rubric is set on its own page."""

    method = forms.ChoiceField(
        label=_("Aggregation"), choices=Rubric.Method.choices, initial=Rubric.Method.MEAN
    )
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=6, initial=2)


class RubricSettingsForm(forms.Form):
    method = forms.ChoiceField(label=_("Aggregation"), choices=Rubric.Method.choices)
    drop_highest = forms.IntegerField(
        label=_("Drop the highest judges"),
        min_value=0,
        max_value=10,
        initial=0,
        help_text=_("Only for the methods without the highest and lowest judges."),
    )
    drop_lowest = forms.IntegerField(
        label=_("Drop the lowest judges"), min_value=0, max_value=10, initial=0
    )
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=6)
    ranking_style = forms.ChoiceField(label=_("Ranking"), choices=Rubric.RankingStyle.choices)
    disagreement_threshold = DecimalText(
        label=_("Flag an entry when its judges' scores spread wider than"),
        required=False,
        help_text=_("Blank: never."),
    )

    @classmethod
    def for_rubric(cls, rubric: Rubric, data=None) -> "RubricSettingsForm":
        return cls(
            data,
            prefix="settings",
            initial={
                "method": rubric.method,
                "drop_highest": rubric.drop_highest,
                "drop_lowest": rubric.drop_lowest,
                "decimals": rubric.decimals,
                "ranking_style": rubric.ranking_style,
                "disagreement_threshold": rubric.disagreement_threshold,
            },
        )


class PartForm(forms.Form):
    name = forms.CharField(label=_("Part"), max_length=200)
    minutes = DecimalText(
        label=_("Minutes allowed on stage"),
        required=False,
        help_text=_("The timer measures overtime against it; blank: no limit."),
    )


class CriterionForm(forms.Form):
    part = forms.ModelChoiceField(
        label=_("Part"), queryset=RubricPart.objects.none(), required=False
    )
    name = forms.CharField(label=_("Criterion"), max_length=300)
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("Blank: made from the name."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    max_score = DecimalText(label=_("Maximum"))
    step = forms.ChoiceField(label=_("Step"), choices=STEP_CHOICES, initial="0.5")
    weight = DecimalText(label=_("Weight"), initial=Decimal(1))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    independent = forms.BooleanField(
        label=_("Independent (scored and shown, not counted in the total)"), required=False
    )
    descriptors = forms.CharField(
        label=_("Level descriptors"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "8–10: Xuất sắc"}),
        required=False,
        max_length=10000,
        help_text=_("One level per line, “from–to: text”, e.g. “8–10: Excellent”."),
    )

    def __init__(self, *args, rubric: Rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = rubric.parts.order_by("order")
        self.fields["part"].empty_label = _("— no part —")

    @classmethod
    def for_criterion(cls, criterion: Criterion, data=None) -> "CriterionForm":
        return cls(
            data,
            rubric=criterion.rubric,
            initial={
                "part": criterion.part_id,
                "name": criterion.name,
                "code": criterion.code,
                "description": criterion.description,
                "max_score": criterion.max_score,
                "step": plain(criterion.step),
                "weight": criterion.weight,
                "required": criterion.required,
                "independent": not criterion.counts_toward_total,
                "descriptors": descriptors_as_text(criterion.descriptors),
            },
        )

    def clean_descriptors(self) -> list[dict]:
        levels = []
        for number, line in enumerate(self.cleaned_data["descriptors"].splitlines(), start=1):
            if not line.strip():
                continue
            match = DESCRIPTOR_LINE.fullmatch(line)
            if match is None or not match.group(3):
                raise forms.ValidationError(
                    _("Line %(line)d: write “from–to: text”, e.g. “8–10: Excellent”."),
                    params={"line": number},
                )
            low, high, text = match.groups()
            levels.append({"from": low, "to": high or low, "text": text})
        return levels

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "part": data["part"],
            "name": data["name"],
            "code": data["code"],
            "description": data["description"],
            "max_score": data["max_score"],
            "step": data["step"],
            "weight": data["weight"] if data["weight"] is not None else Decimal(1),
            "required": data["required"],
            "counts_toward_total": not data["independent"],
            "descriptors": data["descriptors"],
        }


def descriptors_as_text(descriptors: list[dict]) -> str:
    lines = []
    for level in descriptors or []:
        low, high = level.get("from", ""), level.get("to", "")
        marks = low if low == high else f"{low}–{high}"
        lines.append(f"{marks}: {level.get('text', '')}")
    return "\n".join(lines)


class PenaltyRuleForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Part"), queryset=RubricPart.objects.none())
    minutes_over = forms.IntegerField(label=_("From minutes over time"), min_value=1, max_value=600)
    points = DecimalText(label=_("Points deducted"))

    def __init__(self, *args, rubric: Rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = rubric.parts.order_by("order")


class PrizeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    tier = forms.ChoiceField(label=_("Tier"), choices=Prize.Tier.choices)
    quota = forms.IntegerField(label=_("Quota"), min_value=1, max_value=1000, initial=1)
    min_score = DecimalText(
        label=_("Minimum score"),
        required=False,
        help_text=_("An entry below it does not receive the prize, which may stay vacant."),
    )
    part = forms.ModelChoiceField(
        label=_("Part (special prize only)"),
        queryset=RubricPart.objects.none(),
        required=False,
        help_text=_("A special prize goes to the best score in this part."),
    )
    order = forms.IntegerField(
        label=_("Order"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Prizes are given in this order, down the ranking. Blank: last."),
    )

    def __init__(self, *args, contest, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = (
            RubricPart.objects.filter(rubric__round__contest=contest)
            .select_related("rubric__round")
            .order_by("rubric__round__sequence", "order")
        )
        self.fields["part"].label_from_instance = lambda part: (
            f"{part.rubric.round.name} · {part.name}"
        )

    @classmethod
    def for_prize(cls, prize: Prize, data=None) -> "PrizeForm":
        return cls(
            data,
            contest=prize.contest,
            initial={
                "name": prize.name,
                "tier": prize.tier,
                "quota": prize.quota,
                "min_score": prize.min_score,
                "part": prize.part_id,
                "order": prize.order,
            },
        )
