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
                        "data-weight": criterion.weight.normalize(),
                        "class": "mark",
                    }
                ),
            )

            # The part (outline, presentation, questions) heads its criteria on the page.
            self.fields[criterion.code].part = criterion.part.name if criterion.part else ""

    def marks(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(code, "") for code in self.fields}
