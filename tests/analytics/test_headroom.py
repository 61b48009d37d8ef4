"""Headroom arithmetic (data contract, feeders): rated kVA × 0.9 − peak kW − reserved kVA × 0.9."""

from __future__ import annotations

from decimal import Decimal

from powerkam.analytics.headroom import Headroom, feeder_headroom, substation_headroom

D = Decimal


def test_feeder_headroom_is_rated_kw_at_pf_09_minus_peak_minus_reservations() -> None:
    # F001 of the samples: 12,000 kVA rated, 7,014 kW peak.
    free = feeder_headroom(rated_kva=D("12000"), peak_kw=D("7014"))
    assert free.rated_kw == D("10800")
    assert free.available_kw == D("3786")
    assert free.available_kva == D("3786") / D("0.9")
    held = feeder_headroom(rated_kva=D("12000"), peak_kw=D("7014"), reservations_kva=[D("2000"), D("1000")])
    assert held.reserved_kw == D("2700")
    assert held.available_kw == D("1086")


def test_a_reservation_fits_up_to_the_last_kw() -> None:
    free = feeder_headroom(rated_kva=D("12000"), peak_kw=D("7014"))
    assert free.fits(D("4200"))  # 3,780 kW
    assert free.fits(D("3786") / D("0.9"))  # exactly what is left
    assert not free.fits(D("4207"))  # 3,786.3 kW
    assert free.with_reserved(D("4000")).available_kw == D("186")


def test_an_unknown_figure_means_no_headroom_is_known() -> None:
    unknown = feeder_headroom(rated_kva=D("8000"), peak_kw=None)
    assert not unknown.known
    assert unknown.available_kw is None
    assert unknown.available_kva is None
    assert not unknown.fits(D("1"))
    assert Headroom(None, D("10")).utilisation() is None


def test_over_committed_headroom_is_negative() -> None:
    over = feeder_headroom(rated_kva=D("1000"), peak_kw=D("850"), reservations_kva=[D("100")])
    assert over.available_kw == D("-40")
    assert not over.fits(D("0.01"))
    assert over.utilisation() == D("940") / D("900")


def test_substation_sums_its_known_feeders_and_counts_the_unknown() -> None:
    s01 = substation_headroom(
        feeders=[(D("12000"), D("7014")), (D("12000"), D("6466")), (D("8000"), None)],
        reservations_kva=[D("1000")],
    )
    assert (s01.rated_kva, s01.peak_kw, s01.unknown_feeders) == (D("24000"), D("13480"), 1)
    assert s01.available_kw == D("21600") - D("13480") - D("900")
    nothing = substation_headroom(feeders=[(None, D("1"))])
    assert not nothing.known
    assert nothing.unknown_feeders == 1
