from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import selectors, services
from certificates.api.serializers import (
    CertificateBatchInputSerializer,
    CertificateBatchSerializer,
    CertificateSerializer,
    ContestCertificateSerializer,
    RevokeInputSerializer,
    VerificationSerializer,
)
from certificates.models import Certificate
from certificates.views import certificate_pdf, contest_access, contest_zip_response
from contest.models import Contest, Role
from contest.selectors import require_role


class CertificateBatchListView(APIView):
    @extend_schema(responses=CertificateBatchSerializer(many=True))
    def get(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        require_role(request.user, contest, Role.ORGANISER)
        batches = selectors.batches_with_progress(contest)
        return Response(CertificateBatchSerializer(batches, many=True).data)

    @extend_schema(
        request=CertificateBatchInputSerializer, responses={202: CertificateBatchSerializer}
    )
    def post(self, request, slug):
        contest = get_object_or_404(Contest, slug=slug)
        data = CertificateBatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.request_certificates(
            contest=contest, actor=request.user, kinds=data.validated_data.get("kinds")
        )
        batch = selectors.batch_with_progress(batch.pk)
        return Response(CertificateBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class CertificateBatchView(APIView):
    @extend_schema(responses=CertificateBatchSerializer)
    def get(self, request, pk):
        batch = selectors.batch_with_progress(pk)
        if batch is None:
            raise Http404
        require_role(request.user, batch.contest, Role.ORGANISER)
        return Response(CertificateBatchSerializer(batch).data)


class MyCertificatesView(generics.ListAPIView):
    serializer_class = CertificateSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.certificates_of(self.request.user)


class ContestCertificatesView(generics.ListAPIView):
    """A contest's certificates, for its organisers; a unit representative's unit's."""

    serializer_class = ContestCertificateSerializer
    queryset = Certificate.objects.none()  # for the schema; the rows come from get_queryset

    def get_queryset(self):
        contest = get_object_or_404(Contest, slug=self.kwargs["slug"])
        _is_organiser, membership = contest_access(self.request.user, contest)
        certificates = selectors.certificates_visible_to(self.request.user, contest)
        if membership is not None:
            certificates = certificates.filter(unit=membership.unit)
        return certificates.select_related("unit").order_by("kind", "serial")


class CertificatePdfView(APIView):
    """The PDF of a certificate the user may see; any other is not found."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        return certificate_pdf(request, pk)


class ContestCertificatesZipView(APIView):
    """Every valid certificate of the contest as one ZIP, a folder per unit (a unit
    representative: their unit's)."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, slug):
        return contest_zip_response(request, slug)


class RevokeCertificateView(APIView):
    @extend_schema(request=RevokeInputSerializer, responses=ContestCertificateSerializer)
    def post(self, request, pk):
        certificate = (
            selectors.certificates_visible_to(request.user)
            .select_related("contest")
            .filter(pk=pk)
            .first()
        )
        if certificate is None:
            raise Http404
        data = RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = services.revoke_certificate(
            certificate=certificate, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(
            ContestCertificateSerializer(certificate, context={"request": request}).data
        )


class VerifyCertificateView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=VerificationSerializer)
    def get(self, request, code):
        certificate = get_object_or_404(
            Certificate.objects.select_related("contest"), verification_code=code
        )
        return Response(VerificationSerializer(certificate).data)
