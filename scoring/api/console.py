"""The head judge's console: reminders to judges whose sheets are missing."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import DomainError
from contest.models import Role
from scheduling.models import Session
from scheduling.selectors import require_session_staff
from scoring import services
from scoring.api.serializers import NudgeInputSerializer
from scoring.api.views import entry_of


class NudgeView(APIView):
    """Remind a judge of the panel that a sheet is missing; their tablet shows it."""

    @extend_schema(request=NudgeInputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk):
        session = get_object_or_404(
            Session.objects.select_related("round__contest", "panel"), pk=pk
        )
        # Who asks comes first: nobody else learns which judges and entries exist.
        require_session_staff(request.user, session, Role.ORGANISER, Role.SECRETARY)
        serializer = NudgeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        judge = get_user_model().objects.filter(pk=data["judge"]).first()
        if judge is None:
            raise DomainError(_("No such judge."), field="judge")
        entry = entry_of(session.round, data["entry"])
        nudge = services.nudge_judge(session=session, judge=judge, entry=entry, actor=request.user)
        return Response(
            {
                "id": nudge.pk,
                "judge": nudge.judge_id,
                "entry": nudge.entry_id,
                "created_at": nudge.created_at,
            },
            status=status.HTTP_201_CREATED,
        )
