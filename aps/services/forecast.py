"""The statistical demand forecast: per item and month, from the sales order history (docs/planning.md).

Demand history is what customers asked for, by month of the line's requested date (else the order's),
on orders neither draft nor cancelled. Three methods are backtested one step ahead over the last
complete months; the one with the smallest MAPE forecasts the coming months. Planners adjust months;
their figures survive regeneration. Consuming the forecast against orders is MRP's job.
"""

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aps.choices import ForecastMethod
from aps.models import DemandForecast, DemandForecastPeriod
from aps.selectors.forecast import month_add, month_start, monthly_demand
from core.models import Item

MOVING_AVERAGE_MONTHS = 3
# Fixed, not fitted: fitting alpha on the backtest months and then scoring it on the same months would
# flatter smoothing against the other methods.
SMOOTHING_ALPHA = 0.3
SEASON = 12
BACKTEST_MONTHS = 6
MAX_HORIZON_MONTHS = 24
MAX_HISTORY_MONTHS = 120
MAX_MAPE = Decimal("9999999.99")  # the column's limit: a tiny actual against a big forecast
# Preferred on equal errors: the simpler method first.
METHODS = (ForecastMethod.MOVING_AVERAGE, ForecastMethod.EXPONENTIAL_SMOOTHING, ForecastMethod.SEASONAL_NAIVE)


def _quantity(value: float, decimals: int) -> Decimal:
    # Through a fixed 9-place string first, so float noise (14.449999999) does not decide the rounding.
    return Decimal(f"{max(value, 0.0):.9f}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _percent(value: float) -> Decimal | None:
    if np.isnan(value):
        return None
    return min(Decimal(f"{value:.6f}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), MAX_MAPE)


class _Fit:
    """Backtest errors and coming figures of every method, for every item at once (columns are items)."""

    def __init__(self, demand: pd.DataFrame):
        # Before an item's first sale it had no history (NaN), not zero demand.
        started = (demand > 0).cumsum() > 0
        history = demand.where(started)
        rows = len(history.index)
        self.history_months = started.sum()
        self.seasonal = self.history_months > SEASON
        # One-step-ahead forecasts: what each method would have said for each month, knowing the months before.
        moving = history.rolling(MOVING_AVERAGE_MONTHS, min_periods=1).mean()
        smoothed = history.ewm(alpha=SMOOTHING_ALPHA, adjust=False).mean()
        ahead = {
            ForecastMethod.MOVING_AVERAGE: moving.shift(1),
            ForecastMethod.EXPONENTIAL_SMOOTHING: smoothed.shift(1),
            ForecastMethod.SEASONAL_NAIVE: history.shift(SEASON),
        }
        # The last complete months, the same ones for every method of an item (so their errors compare):
        # fewer when seasonal naive needs a year before each of them.
        window = np.minimum(BACKTEST_MONTHS, self.history_months - 1)
        window = window.where(~self.seasonal, np.minimum(BACKTEST_MONTHS, self.history_months - SEASON))
        in_window = pd.DataFrame(
            np.arange(rows)[:, None] >= (rows - window.to_numpy())[None, :],
            index=history.index,
            columns=history.columns,
        )
        scored = in_window & (history > 0)
        self.errors = {
            method: ((history - forecast).abs() / history * 100).where(scored).mean()
            for method, forecast in ahead.items()
        }
        self.history = history
        self.moving_level = history.tail(MOVING_AVERAGE_MONTHS).mean()
        self.smoothed_level = smoothed.iloc[-1] if rows else pd.Series(dtype=float)

    def methods_of(self, item_id: int) -> dict[str, Decimal | None]:
        methods = METHODS if self.seasonal[item_id] else METHODS[:2]
        return {method: _percent(self.errors[method][item_id]) for method in methods}

    def coming(self, item_id: int, method: str, horizon: int) -> list[float]:
        """The next `horizon` months' figures, the first being the month after the history."""
        if method == ForecastMethod.SEASONAL_NAIVE:
            series = self.history[item_id].to_numpy()
            return [float(series[len(series) - SEASON + k % SEASON]) for k in range(horizon)]
        level = self.moving_level if method == ForecastMethod.MOVING_AVERAGE else self.smoothed_level
        return [float(level[item_id])] * horizon


def _choose(errors: dict[str, Decimal | None]) -> tuple[str, Decimal | None]:
    """The method with the smallest MAPE (the simpler one on a tie); moving average when none could be
    measured (no month with sales in the backtest)."""
    measured = [(mape, METHODS.index(method), method) for method, mape in errors.items() if mape is not None]
    if not measured:
        return ForecastMethod.MOVING_AVERAGE, None
    mape, _order, method = min(measured)
    return method, mape


def forecast_generate(
    *,
    today: datetime.date,
    horizon_months: int = 6,
    items: Iterable[Item] | None = None,
    history_months: int = 24,
) -> int:
    """(Re)forecast every sold item (or `items`): `horizon_months` months from the current one, from the
    `history_months` complete months before it. Planner adjustments on months still forecast are kept;
    months now past or beyond the horizon go, and so does the forecast of an item no longer sold in the
    window. Returns how many items were forecast."""
    errors = {}
    if not 1 <= horizon_months <= MAX_HORIZON_MONTHS:
        errors["horizon_months"] = ValidationError(
            _("Forecast between 1 and %(max)s months ahead.") % {"max": MAX_HORIZON_MONTHS}, code="out_of_range"
        )
    if not 1 <= history_months <= MAX_HISTORY_MONTHS:
        errors["history_months"] = ValidationError(
            _("Read between 1 and %(max)s months of history.") % {"max": MAX_HISTORY_MONTHS}, code="out_of_range"
        )
    if errors:
        raise ValidationError(errors)
    scope = None if items is None else list(items)
    current = month_start(today)
    demand = monthly_demand(first_month=month_add(current, -history_months), end_month=current, items=scope)
    fit = _Fit(demand)
    months = [month_add(current, k) for k in range(horizon_months)]
    sold = {item.pk: item for item in Item.objects.filter(pk__in=list(demand.columns)).select_related("uom")}

    with transaction.atomic():
        existing = DemandForecast.objects.select_for_update().order_by("pk")
        if scope is not None:
            existing = existing.filter(item__in=scope)
        forecasts = {forecast.item_id: forecast for forecast in existing}
        DemandForecast.objects.filter(pk__in=[f.pk for i, f in forecasts.items() if i not in sold]).delete()

        new, changed = [], []
        for item_id in sold:
            method_errors = fit.methods_of(item_id)
            method, mape = _choose(method_errors)
            fields = {
                "method": method,
                "mape": mape,
                "method_errors": {name: None if value is None else str(value) for name, value in method_errors.items()},
                "history_months": int(fit.history_months[item_id]),
                "generated_on": today,
            }
            forecast = forecasts.get(item_id)
            if forecast is None:
                forecast = forecasts[item_id] = DemandForecast(item_id=item_id, **fields)
                new.append(forecast)
            else:
                for name, value in fields.items():
                    setattr(forecast, name, value)
                changed.append(forecast)
        DemandForecast.objects.bulk_create(new)
        DemandForecast.objects.bulk_update(
            changed, ["method", "mape", "method_errors", "history_months", "generated_on"]
        )

        kept = {
            (period.forecast_id, period.month): period
            for period in DemandForecastPeriod.objects.filter(forecast__in=[f.pk for f in changed])
        }
        new_periods, updated_periods = [], []
        for item_id, item in sold.items():
            forecast = forecasts[item_id]
            figures = fit.coming(item_id, forecast.method, horizon_months)
            for month, figure in zip(months, figures, strict=True):
                qty = _quantity(figure, item.uom.decimals)
                period = kept.pop((forecast.pk, month), None)
                if period is None:
                    new_periods.append(DemandForecastPeriod(forecast=forecast, month=month, statistical_qty=qty))
                else:
                    period.statistical_qty = qty
                    updated_periods.append(period)
        DemandForecastPeriod.objects.filter(pk__in=[period.pk for period in kept.values()]).delete()
        DemandForecastPeriod.objects.bulk_create(new_periods)
        DemandForecastPeriod.objects.bulk_update(updated_periods, ["statistical_qty", "updated_at"])
    return len(sold)


def forecast_period_adjust(
    *, period: DemandForecastPeriod, quantity: Decimal | None, note: str = "", user=None
) -> DemandForecastPeriod:
    """Set the planner's figure for a month (None: the statistical figure stands again) and why."""
    with transaction.atomic():
        period = (
            DemandForecastPeriod.objects.select_for_update().select_related("forecast__item__uom").get(pk=period.pk)
        )
        if quantity is not None:
            quantity = Decimal(quantity)
            if quantity < 0:
                raise ValidationError(
                    {"adjusted_qty": ValidationError(_("The forecast cannot be negative."), code="negative")}
                )
            precision = period.forecast.item.precision_error(quantity, code="too_precise")
            if precision is not None:
                raise ValidationError({"adjusted_qty": precision})
        period.adjusted_qty = quantity
        period.note = note.strip()
        period.adjusted_by = user if quantity is not None and getattr(user, "is_authenticated", False) else None
        period.full_clean(validate_unique=False, validate_constraints=False)
        period.save()
    return period
