from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import selectors, services
from certificates.api.serializers import (
    CertificateBatchSerializer,
    CertificateSerializer,
    VerificationSerializer,
)
from certificates.models import Certificate, CertificateBatch
from certificates.views import own_certificate_pdf
from contest.models import Contest, Role
from contest.selectors import require_role


class CertificateBatchCreateView(APIView):
    @extend_schema(request=None, responses={202: CertificateBatchSerializer})
    def post(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        batch = services.request_certificates(contest=contest, actor=request.user)
        batch.refresh_from_db()
        return Response(CertificateBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class CertificateBatchView(APIView):
    @extend_schema(responses=CertificateBatchSerializer)
    def get(self, request, pk):
        batch = get_object_or_404(CertificateBatch.objects.select_related("contest"), pk=pk)
        require_role(request.user, batch.contest, Role.ORGANISER)
        return Response(CertificateBatchSerializer(batch).data)


class MyCertificatesView(generics.ListAPIView):
    serializer_class = CertificateSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.certificates_of(self.request.user)


class CertificatePdfView(APIView):
    """The PDF of one of the user's own certificates; anyone else's is not found."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        return own_certificate_pdf(request, pk)


class VerifyCertificateView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=VerificationSerializer)
    def get(self, request, code):
        certificate = get_object_or_404(
            Certificate.objects.select_related("contest"), verification_code=code
        )
        return Response(VerificationSerializer(certificate).data)
