from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, CertificateTemplate


class CertificateTemplateForm(forms.ModelForm):
    """How the contest's certificates look and who signs them. The layout is checked by the
    service that saves it (services.save_certificate_template), one place for the rule."""

    class Meta:
        model = CertificateTemplate
        fields = [
            "theme",
            "superior_body",
            "issuing_body",
            "decision_reference",
            "number_suffix",
            "signing_on_behalf",
            "signer_title",
            "signer_name",
            "signature_image",
            "seal_image",
            "layout_html",
            "layout_css",
        ]
        code = {"rows": 14, "spellcheck": "false", "class": "code"}
        widgets = {
            "layout_html": forms.Textarea(attrs=code),
            "layout_css": forms.Textarea(attrs=code | {"rows": 8}),
        }
        help_texts = {
            "signing_on_behalf": _(
                "e.g. “T/M BAN THƯỜNG VỤ” (Party), “TM. UBND” or “KT. GIÁM ĐỐC”."
            ),
            "signer_title": _("e.g. “BÍ THƯ”, “PHÓ BÍ THƯ”, “PHÓ GIÁM ĐỐC”."),
            "decision_reference": _("The decision conferring the prizes, e.g. “12-QĐ/ĐUK”."),
            "signature_image": _("Optional. A scan on a transparent or white background."),
            "seal_image": _("Optional. Printed over the left of the signature, as stamped."),
            "layout_html": _(
                "Optional: leave blank for the built-in layout of the theme. An HTML page whose "
                "body is the certificate, with {{ field_name }} placeholders declared in "
                '<meta name="hoithi-fields" content="…">.'
            ),
            "layout_css": _(
                "Optional: added after the built-in stylesheet. No fonts, imports or files."
            ),
        }


class PreviewKindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Certificate.Kind.choices, initial=Certificate.Kind.PRIZE
    )
