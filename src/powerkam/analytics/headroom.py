"""Supply headroom of a feeder or a substation for capacity reservations (data contract, ``feeders``).

    headroom (kW) = rated capacity (kVA) × power factor − peak load (kW) − active reservations (kVA) × power factor

The power factor is 0.9 by default: a feeder's rated capacity and a reservation are both in kVA
(a reservation holds the project's expected transformer capacity), the measured peak load is in kW.
A reservation fits when its kW at that power factor is not more than the headroom.

A substation's headroom is the sum over its feeders whose rated capacity *and* peak load are
known (a feeder with an unknown figure adds nothing: an unknown peak cannot be assumed to be
zero), less the reservations on the substation itself and on any of its feeders.

Pure arithmetic on :class:`~decimal.Decimal`; no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

#: Power factor at which kVA become kW (data contract: "rated capacity (as kW at pf 0.9)").
POWER_FACTOR = Decimal("0.9")


@dataclass(frozen=True)
class Headroom:
    """The figures behind one place's headroom. ``None`` means the figure is not known."""

    rated_kva: Decimal | None
    peak_kw: Decimal | None
    reserved_kva: Decimal = Decimal(0)
    power_factor: Decimal = POWER_FACTOR
    #: feeders left out of a substation's sum because a figure is missing
    unknown_feeders: int = 0

    @property
    def known(self) -> bool:
        return self.rated_kva is not None and self.peak_kw is not None

    @property
    def rated_kw(self) -> Decimal | None:
        return None if self.rated_kva is None else self.rated_kva * self.power_factor

    @property
    def reserved_kw(self) -> Decimal:
        return self.reserved_kva * self.power_factor

    @property
    def available_kw(self) -> Decimal | None:
        """Headroom left for new reservations (negative when the place is already over-committed)."""
        if self.rated_kw is None or self.peak_kw is None:
            return None
        return self.rated_kw - self.peak_kw - self.reserved_kw

    @property
    def available_kva(self) -> Decimal | None:
        """The same headroom expressed as kVA at the power factor (what a reservation is asked in)."""
        available = self.available_kw
        return None if available is None else available / self.power_factor

    def fits(self, kva: Decimal) -> bool:
        """Whether a reservation of ``kva`` fits into what is left (always false when unknown)."""
        available = self.available_kw
        return available is not None and kva * self.power_factor <= available

    def utilisation(self) -> Decimal | None:
        """(peak + reserved) as a share of the rated kW, for the colour of a bar."""
        if self.rated_kw is None or self.peak_kw is None or self.rated_kw == 0:
            return None
        return (self.peak_kw + self.reserved_kw) / self.rated_kw

    def with_reserved(self, kva: Decimal) -> Headroom:
        """This headroom with ``kva`` more reserved."""
        return Headroom(self.rated_kva, self.peak_kw, self.reserved_kva + kva, self.power_factor, self.unknown_feeders)


def feeder_headroom(
    *,
    rated_kva: Decimal | None,
    peak_kw: Decimal | None,
    reservations_kva: Iterable[Decimal] = (),
    power_factor: Decimal = POWER_FACTOR,
) -> Headroom:
    return Headroom(rated_kva, peak_kw, sum(reservations_kva, Decimal(0)), power_factor)


def substation_headroom(
    *,
    feeders: Iterable[tuple[Decimal | None, Decimal | None]],
    reservations_kva: Iterable[Decimal] = (),
    power_factor: Decimal = POWER_FACTOR,
) -> Headroom:
    """``feeders`` are (rated kVA, peak kW) pairs; ``reservations_kva`` every active reservation on the
    substation or on one of its feeders."""
    rated, peak, unknown, any_known = Decimal(0), Decimal(0), 0, False
    for feeder_rated, feeder_peak in feeders:
        if feeder_rated is None or feeder_peak is None:
            unknown += 1
            continue
        rated += feeder_rated
        peak += feeder_peak
        any_known = True
    return Headroom(
        rated if any_known else None,
        peak if any_known else None,
        sum(reservations_kva, Decimal(0)),
        power_factor,
        unknown,
    )
