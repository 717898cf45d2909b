"""The app's URLs plus the public results benchmark's baseline: a plain Django JSON view that
serialises a document of the same size as the demo contest's public results on every request."""

import json

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

SLUG = "dan-van-kheo-khoi-2019"
_document = None


def plain_results(request):
    global _document
    if _document is None:  # the same data, read once; serialised anew each time
        from scoring.public import public_results

        _document = json.loads(public_results(SLUG).body)
    # As the endpoint writes it: UTF-8, not \\u escapes, so both bodies are the same size.
    return JsonResponse(_document, json_dumps_params={"ensure_ascii": False})


urlpatterns = [path("bench/plain-results/", plain_results), *app_urlpatterns]
