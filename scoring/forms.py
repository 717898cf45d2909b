from django import forms


class ScoreSheetForm(forms.Form):
    """One number input per criterion, constrained to the rubric's step and maximum; the
    service re-checks every value, so the page and the API obey the same rules."""

    def __init__(self, *args, criteria, initial_marks=None, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[criterion.code] = forms.CharField(
                label=criterion.name,
                required=False,
                disabled=disabled,
                help_text=criterion.description,
                initial=(initial_marks or {}).get(criterion.code, ""),
                widget=forms.NumberInput(
                    attrs={
                        "min": "0",
                        "max": criterion.max_score.normalize(),
                        "step": criterion.step.normalize(),
                        "inputmode": "decimal",
                        # Independent criteria are shown but do not count in the total.
                        "data-weight": (
                            criterion.weight.normalize() if criterion.counts_toward_total else 0
                        ),
                        "class": "mark",
                    }
                ),
            )

            # The part (outline, presentation, questions) heads its criteria on the page.
            self.fields[criterion.code].part = criterion.part.name if criterion.part else ""
            self.fields[criterion.code].descriptors = criterion.descriptors
            self.fields[criterion.code].independent = not criterion.counts_toward_total

    def marks(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(code, "") for code in self.fields}
