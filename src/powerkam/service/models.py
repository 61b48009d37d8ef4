"""Service tickets for key accounts on the official working-day clock (docs/rules.md §3, paper §3(二)②③).

- :class:`Ticket` — one request with an owner and an SLA clock counted in working days from the
  day its input was accepted. A new-connection / capacity-change application is a :class:`Case`
  whose steps (scheme reply, design review, inspections, energisation) are tickets, each with its
  own clock.
- :class:`TimeLimit` — the administrator's time limits; where no row exists the defaults in
  :data:`DEFAULT_LIMITS` apply (green channel: :data:`DEFAULT_GREEN_LIMITS`).
- :class:`HourLimit` — the round-the-clock limits in minutes (fault repair: arrival on site and
  restoration, by the account's area class), seeded with the 供电服务"十项承诺" defaults
  (:data:`DEFAULT_HOUR_LIMITS`); a kind in :data:`HOUR_CLOCK_KINDS` runs on that 24×7 clock.
- :class:`ClockPause` — waiting on the customer; paused working days do not count.
- :class:`Transfer` — first-inquiry responsibility: ownership moves only when the receiver accepts.
- :class:`TicketEvent` — the ticket's timeline; every model also keeps its full change history.
- :class:`NoticeTemplate` / :class:`NoticeDelivery` — the one-time notification letter (一次性告知书).
- :class:`Notification` — in-app escalation messages (due soon, breached).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from powerkam.accounts.models import AreaClass
from powerkam.core.locking import Versioned


class TicketKind(models.TextChoices):
    # New connection / capacity change (业扩报装) steps, in their order
    SCHEME_REPLY = "scheme_reply", _("Supply scheme reply")
    DESIGN_REVIEW = "design_review", _("Design review")
    MID_INSPECTION = "mid_inspection", _("Mid-construction inspection")
    COMPLETION_INSPECTION = "completion_inspection", _("Completion inspection")
    ENERGISATION = "energisation", _("Metering and energisation")
    # Other business
    CAPACITY_REDUCTION = "capacity_reduction", _("Capacity reduction / suspension")
    FAULT_REPAIR = "fault_repair", _("Fault repair")
    MAINTENANCE = "maintenance", _("Maintenance")
    ARREARS_COLLECTION = "arrears_collection", _("Arrears collection")
    COMPLAINT = "complaint", _("Complaint")
    CONSULTATION = "consultation", _("Consultation")
    ENGINEERING_DESIGN = "engineering_design", _("Engineering service: design")
    ENGINEERING_CONSTRUCTION = "engineering_construction", _("Engineering service: construction")
    ENGINEERING_SUPERVISION = "engineering_supervision", _("Engineering service: supervision")
    EQUIPMENT_SUPPLY = "equipment_supply", _("Engineering service: equipment supply")


#: The steps of a new-connection / capacity-change case, in order.
CASE_STEPS: tuple[str, ...] = (
    TicketKind.SCHEME_REPLY,
    TicketKind.DESIGN_REVIEW,
    TicketKind.MID_INSPECTION,
    TicketKind.COMPLETION_INSPECTION,
    TicketKind.ENERGISATION,
)


class SupplyVariant(models.TextChoices):
    ANY = "", _("Any supply")
    SINGLE = "single", _("Single supply")
    DUAL = "dual", _("Dual supply")


#: Default limits in working days (docs/rules.md §3 for the new-connection steps; the rest are the
#: defaults a utility's key-account team expects — see docs/service.md). Key: (kind, variant).
DEFAULT_LIMITS: dict[tuple[str, str], int] = {
    (TicketKind.SCHEME_REPLY, SupplyVariant.SINGLE): 15,
    (TicketKind.SCHEME_REPLY, SupplyVariant.DUAL): 30,
    (TicketKind.DESIGN_REVIEW, ""): 10,
    (TicketKind.MID_INSPECTION, ""): 5,
    (TicketKind.COMPLETION_INSPECTION, ""): 5,
    (TicketKind.ENERGISATION, ""): 5,
    (TicketKind.CAPACITY_REDUCTION, ""): 5,
    (TicketKind.FAULT_REPAIR, ""): 1,
    (TicketKind.MAINTENANCE, ""): 5,
    (TicketKind.ARREARS_COLLECTION, ""): 10,
    (TicketKind.COMPLAINT, ""): 7,
    (TicketKind.CONSULTATION, ""): 1,
    (TicketKind.ENGINEERING_DESIGN, ""): 10,
    (TicketKind.ENGINEERING_CONSTRUCTION, ""): 30,
    (TicketKind.ENGINEERING_SUPERVISION, ""): 30,
    (TicketKind.EQUIPMENT_SUPPLY, ""): 15,
}

#: Green channel (绿色通道) defaults: shorter where the work allows it.
DEFAULT_GREEN_LIMITS: dict[tuple[str, str], int] = {
    (TicketKind.SCHEME_REPLY, SupplyVariant.SINGLE): 10,
    (TicketKind.SCHEME_REPLY, SupplyVariant.DUAL): 20,
    (TicketKind.DESIGN_REVIEW, ""): 5,
    (TicketKind.MID_INSPECTION, ""): 3,
    (TicketKind.COMPLETION_INSPECTION, ""): 3,
    (TicketKind.ENERGISATION, ""): 3,
    (TicketKind.CAPACITY_REDUCTION, ""): 3,
    (TicketKind.FAULT_REPAIR, ""): 1,
    (TicketKind.MAINTENANCE, ""): 3,
    (TicketKind.ARREARS_COLLECTION, ""): 10,
    (TicketKind.COMPLAINT, ""): 3,
    (TicketKind.CONSULTATION, ""): 1,
    (TicketKind.ENGINEERING_DESIGN, ""): 7,
    (TicketKind.ENGINEERING_CONSTRUCTION, ""): 20,
    (TicketKind.ENGINEERING_SUPERVISION, ""): 20,
    (TicketKind.EQUIPMENT_SUPPLY, ""): 10,
}


class ClockKind(models.TextChoices):
    WORKDAYS = "workdays", _("Working days")
    HOURS = "hours", _("Round the clock (24×7)")


class Milestone(models.TextChoices):
    ARRIVAL = "arrival", _("Arrival on site")
    RESTORATION = "restoration", _("Restoration")


#: The kinds of request that run on the round-the-clock clock (calendar minutes, holidays included);
#: every other kind runs on working days. Their milestones, in order.
HOUR_CLOCK_KINDS: dict[str, tuple[str, ...]] = {
    TicketKind.FAULT_REPAIR: (Milestone.ARRIVAL, Milestone.RESTORATION),
}

#: The round-the-clock defaults in minutes, key (kind, milestone, area class) — State Grid's public
#: service commitments (供电服务"十项承诺", docs/rules.md §3): arrival urban 45 min, rural 90 min,
#: remote 2 h; restoration after arrival urban 3 h, rural 4 h. The commitments give no restoration
#: limit for remote areas: PowerKAM's default is the rural 4 h.
DEFAULT_HOUR_LIMITS: dict[tuple[str, str, str], int] = {
    (TicketKind.FAULT_REPAIR, Milestone.ARRIVAL, AreaClass.URBAN): 45,
    (TicketKind.FAULT_REPAIR, Milestone.ARRIVAL, AreaClass.RURAL): 90,
    (TicketKind.FAULT_REPAIR, Milestone.ARRIVAL, AreaClass.REMOTE): 120,
    (TicketKind.FAULT_REPAIR, Milestone.RESTORATION, AreaClass.URBAN): 180,
    (TicketKind.FAULT_REPAIR, Milestone.RESTORATION, AreaClass.RURAL): 240,
    (TicketKind.FAULT_REPAIR, Milestone.RESTORATION, AreaClass.REMOTE): 240,
}
HOUR_LIMIT_SOURCE = '国家电网公司供电服务"十项承诺"'
HOUR_LIMIT_DEFAULT_SOURCE = "PowerKAM default (as rural)"


def hour_limit_sources() -> dict[tuple[str, str, str], str]:
    """Where each default comes from (the seed of :class:`HourLimit`)."""
    return {
        key: HOUR_LIMIT_DEFAULT_SOURCE if key[1:] == (Milestone.RESTORATION, AreaClass.REMOTE) else HOUR_LIMIT_SOURCE
        for key in DEFAULT_HOUR_LIMITS
    }


class HourLimit(models.Model):
    """A round-the-clock limit in minutes for one milestone of one kind in one area class.

    Administrators edit the rows (Admin → Round-the-clock limits); every change is kept in the
    history. A ticket keeps the limits it was created with."""

    kind = models.CharField(_("kind"), max_length=40, choices=TicketKind.choices)
    milestone = models.CharField(_("milestone"), max_length=20, choices=Milestone.choices)
    area_class = models.CharField(_("area class"), max_length=10, choices=AreaClass.choices)
    minutes = models.PositiveIntegerField(_("limit (minutes)"))
    warn_percent = models.PositiveSmallIntegerField(
        _("escalate at (percent of the limit)"),
        default=80,
        help_text=_("The owner and the supervisor are told once this share of the limit has run."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("round-the-clock limit")
        verbose_name_plural = _("round-the-clock limits")
        ordering = ["kind", "milestone", "area_class"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "milestone", "area_class"], name="one_hour_limit_per_area"),
            models.CheckConstraint(condition=models.Q(warn_percent__lte=100), name="hour_limit_warn_percent_max_100"),
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="hour_limit_minutes_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_milestone_display()} · {self.get_area_class_display()}: {self.minutes}"


class LimitMilestone(models.TextChoices):
    """Which limit of a working-day ticket a :class:`TimeLimit` row sets."""

    FINAL = "", _("Reply / completion")
    CONTACT = "contact", _("First contact")


#: Working-day kinds with a first-contact milestone before the reply, and its default limit in
#: working days (complaints: contact within 1 working day, reply within 7 — docs/rules.md §3, the
#: older public version of the 十项承诺; both configurable in Admin → Time limits).
DEFAULT_CONTACT_LIMITS: dict[str, int] = {TicketKind.COMPLAINT: 1}


class TimeLimit(models.Model):
    """An administrator's time limit for one kind of ticket (replaces the default)."""

    kind = models.CharField(_("kind"), max_length=40, choices=TicketKind.choices)
    supply = models.CharField(
        _("supply"),
        max_length=10,
        choices=SupplyVariant.choices,
        blank=True,
        default="",
        help_text=_("Only the supply scheme reply differs by single or dual supply."),
    )
    green_channel = models.BooleanField(_("green channel"), default=False)
    milestone = models.CharField(
        _("milestone"),
        max_length=20,
        choices=LimitMilestone.choices,
        blank=True,
        default="",
        help_text=_("Complaints also have a first-contact limit."),
    )
    working_days = models.PositiveSmallIntegerField(_("working days"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["kind", "supply", "green_channel", "milestone"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "supply", "green_channel", "milestone"], name="one_time_limit_per_kind_milestone"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.supply} {'green' if self.green_channel else ''}: {self.working_days}"


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    COMPLETED = "completed", _("Completed")


class Case(Versioned):
    """A new-connection or capacity-change application moving through its steps."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="service_cases", verbose_name=_("account")
    )
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200)
    dual_supply = models.BooleanField(_("dual supply"), default=False)
    green_channel = models.BooleanField(_("green channel"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("new-connection case")
        verbose_name_plural = _("new-connection cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class TicketStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    PAUSED = "paused", _("Paused (waiting on the customer)")
    CLOSED = "closed", _("Closed")


class Ticket(Versioned):
    kind = models.CharField(_("kind"), max_length=40, choices=TicketKind.choices, db_index=True)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
        verbose_name=_("account"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="steps", null=True, blank=True, verbose_name=_("case")
    )
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    green_channel = models.BooleanField(_("green channel"), default=False)
    dual_supply = models.BooleanField(_("dual supply"), default=False)

    accepted_on = models.DateField(_("accepted on"), help_text=_("The day the request's input was accepted."))
    limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"))
    due_on = models.DateField(pgettext_lazy("deadline", "due on"), db_index=True)
    due_provisional = models.BooleanField(
        _("due date provisional"),
        default=False,
        help_text=_("The due date lies in a year whose holiday notice is not known yet."),
    )
    paused_workdays = models.PositiveIntegerField(_("paused working days"), default=0)
    # A first-contact milestone on the working-day clock (complaints): contact, then the reply (due_on).
    contact_limit_days = models.PositiveSmallIntegerField(
        _("first contact limit (working days)"), null=True, blank=True
    )
    contact_due_on = models.DateField(_("first contact due on"), null=True, blank=True)
    contacted_on = models.DateField(_("customer contacted on"), null=True, blank=True)

    # The round-the-clock clock (clock = hours): date-times in the utility's time zone, limits in minutes.
    clock = models.CharField(_("clock"), max_length=10, choices=ClockKind.choices, default=ClockKind.WORKDAYS)
    area_class = models.CharField(
        _("area class"), max_length=10, blank=True, help_text=_("The account's area class when the request came in.")
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived on site at"), null=True, blank=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    arrival_minutes = models.PositiveIntegerField(_("arrival limit (minutes)"), null=True, blank=True)
    restoration_minutes = models.PositiveIntegerField(_("restoration limit (minutes)"), null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(_("escalate at (percent of the limit)"), default=80)
    arrival_due_at = models.DateTimeField(_("arrival due at"), null=True, blank=True, db_index=True)
    restoration_due_at = models.DateTimeField(
        _("restoration due at"),
        null=True,
        blank=True,
        help_text=_("Counted from the arrival; before it, from the time the arrival is due."),
    )
    paused_minutes = models.PositiveIntegerField(_("paused minutes"), default=0)

    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.OPEN, db_index=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)

    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received by"),
        help_text=_("The staff member who first received the request (first-inquiry responsibility)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_tickets", verbose_name=_("owner")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status == TicketStatus.CLOSED

    @property
    def is_paused(self) -> bool:
        return self.status == TicketStatus.PAUSED

    @property
    def round_the_clock(self) -> bool:
        return self.clock == ClockKind.HOURS


class ClockPause(models.Model):
    """The clock waits on the customer from ``paused_on`` (counted) to ``resumed_on``.

    The working days in (paused_on, resumed_on] do not count: the clock runs again from the
    working day after the resume, as it started from the working day after acceptance.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="pauses", verbose_name=_("ticket"))
    paused_on = models.DateField(_("paused on"))
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    #: the exact times, for a round-the-clock ticket (the dates above are their local days)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    resumed_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("paused by")
    )
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("resumed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["paused_on", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.paused_on} – {self.resumed_on or '…'}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiver")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    """A request to hand a ticket over; the first owner stays responsible until it is accepted."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("ticket"))
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("transfer", "from"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        verbose_name=pgettext_lazy("transfer", "to"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(status="pending"), name="one_pending_transfer_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} → {self.to_user_id} ({self.status})"


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("Transfer declined")
    TRANSFER_CANCELLED = "transfer_cancelled", _("Transfer cancelled")
    PAUSED = "paused", _("Clock paused")
    RESUMED = "resumed", _("Clock resumed")
    CLOSED = "closed", _("Closed")
    NOTICE_DELIVERED = "notice_delivered", _("One-time notification delivered")
    CONTACTED = "contacted", _("Customer contacted")
    ARRIVED = "arrived", _("Arrived on site")
    RESTORED = "restored", _("Supply restored")
    ESCALATED = "escalated", _("Escalated")


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}"


class NoticeTemplate(models.Model):
    """The editable content of a one-time notification letter for one kind of business."""

    kind = models.CharField(_("business"), max_length=40, choices=TicketKind.choices, unique=True)
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    documents = models.TextField(_("documents"), help_text=_("One document the customer provides per line."))
    steps = models.TextField(_("steps"), help_text=_("One step of the process per line."))
    closing = models.TextField(_("closing"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.title

    @property
    def document_list(self) -> list[str]:
        return [line.strip() for line in self.documents.splitlines() if line.strip()]

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class NoticeDelivery(models.Model):
    """A one-time notification letter as it was delivered (the rendered text is kept)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="notices", verbose_name=_("ticket"))
    template = models.ForeignKey(NoticeTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template"))
    html = models.TextField(_("letter (HTML)"))
    delivered_on = models.DateField(_("delivered on"))
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("delivered by")
    )
    recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=40, blank=True, help_text=_("In person, email, post …"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        ordering = ["-delivered_on", "-id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.delivered_on}"


class NotificationKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    BREACHED = "breached", _("Breached")
    TRANSFER = "transfer", _("Transfer waiting for you")


class Notification(models.Model):
    """An in-app message; escalations are sent once per ticket, state and recipient."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_notifications", verbose_name=_("user")
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    #: for a round-the-clock ticket: which milestone the escalation is about
    milestone = models.CharField(_("milestone"), max_length=20, blank=True, default="")
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed = models.BooleanField(_("emailed"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ticket", "kind", "milestone"],
                condition=~models.Q(kind="transfer"),
                name="one_escalation_per_ticket_milestone_state_user",
            )
        ]

    def __str__(self) -> str:
        return self.message


class WorkOrderType(models.TextChoices):
    """The 95598 work-order types (docs/data-formats.md, kind ``workorders``)."""

    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report of misconduct")
    OPINION = "opinion", _("Opinion")
    FAULT = "fault", _("Fault report")
    PRAISE = "praise", _("Praise")


class WorkOrderChannel(models.TextChoices):
    PHONE = "phone", _("Phone (95598)")
    ONLINE = "online", _("Online")
    APP = "app", _("Mobile app")
    WECHAT = "wechat", _("WeChat")
    COUNTER = "counter", _("Service counter")
    OTHER = "other", _("Other")


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    CLOSED = "closed", _("Closed")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Fairly satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


#: The ticket a work order becomes (praise needs no follow-up: no ticket).
WORKORDER_TICKET_KINDS: dict[str, str] = {
    WorkOrderType.INQUIRY: TicketKind.CONSULTATION,
    WorkOrderType.COMPLAINT: TicketKind.COMPLAINT,
    WorkOrderType.REPORT: TicketKind.COMPLAINT,
    WorkOrderType.OPINION: TicketKind.CONSULTATION,
    WorkOrderType.FAULT: TicketKind.FAULT_REPAIR,
}

#: Complaints of one account within this many days of each other are flagged as repeated.
REPEAT_COMPLAINT_DAYS = 90


class WorkOrder(models.Model):
    """A 95598 work order of a CRM account, as imported; re-importing its number updates it."""

    order_no = models.CharField(_("work order number"), max_length=40, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=WorkOrderChannel.choices, blank=True)
    order_type = models.CharField(_("type"), max_length=20, choices=WorkOrderType.choices, db_index=True)
    received_at = models.DateTimeField(_("received at"))
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("account")
    )
    content = models.TextField(_("content"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=WorkOrderStatus.choices)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True)
    ticket = models.OneToOneField(
        Ticket,
        on_delete=models.PROTECT,
        related_name="work_order",
        null=True,
        blank=True,
        verbose_name=_("ticket"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("95598 work order")
        verbose_name_plural = _("95598 work orders")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["account", "order_type", "received_at"], name="workorder_account_type")]

    def __str__(self) -> str:
        return self.order_no


class FaultInterruption(models.Model):
    """The supply interruption of a fault repair on the account's reliability record: from the fault's
    report (the ticket's ``accepted_at``) to the restoration (``restored_at``). One per ticket, written
    when the restoration is recorded; the grid's reliability figures (grid page, 360 page, health)
    count it with the feeders' outage history, a period both know once (docs/service.md)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, related_name="interruption", verbose_name=_("ticket")
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="fault_interruptions",
        verbose_name=_("account"),
    )
    start = models.DateTimeField(_("supply lost at"))
    end = models.DateTimeField(_("supply restored at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fault interruption")
        verbose_name_plural = _("fault interruptions")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["account", "start"], name="fault_interruption_account")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="fault_interruption_ends_after")
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600
