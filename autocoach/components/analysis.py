"""The vehicle dashboard: score, costs, resale advice, alerts, scenarios, comparison."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocoach import routes
from autocoach.components.layout import section_card
from autocoach.components.tables import compact_table, figure_cell
from autocoach.state.analysis import AnalysisState
from autocoach.views.analysis import (
    AlertView,
    ComparisonView,
    CostView,
    FactorView,
    ReferenceView,
    SaleCheckView,
    ScenarioView,
)

ACCENT = "var(--accent-9)"
CHART_COLORS = ["#3e63dd", "#12a594", "#f76b15", "#8e4ec6", "#e5484d", "#ffc53d", "#0090ff", "#8d8d8d"]


def _card(title: str, *children: rx.Component, card_id: str, icon: str) -> rx.Component:
    return section_card(title, *children, card_id=card_id, icon=icon)


def _gauge() -> rx.Component:
    """A ring filled to score/10, the score in the middle."""
    percent = AnalysisState.score_value * 10
    color = rx.match(
        AnalysisState.score_tone,
        ("good", "var(--green-9)"),
        ("bad", "var(--red-9)"),
        "var(--amber-9)",
    )
    return rx.center(
        rx.center(
            rx.vstack(
                rx.text(AnalysisState.score, size="7", weight="bold", id="reliability-score"),
                rx.text("fiabilité", size="1", color_scheme="gray"),
                spacing="0",
                align="center",
            ),
            width="104px",
            height="104px",
            border_radius="50%",
            background=rx.color("gray", 1),
        ),
        width="132px",
        height="132px",
        border_radius="50%",
        background=f"conic-gradient({color} calc({percent} * 1%), var(--gray-4) 0)",
        role="img",
        aria_label="Score de fiabilité : " + AnalysisState.score + " sur 10",
        flex_shrink="0",
    )


def _factor(factor: FactorView) -> rx.Component:
    return rx.hstack(
        rx.badge(
            factor.weight,
            color_scheme=rx.match(factor.tone, ("good", "green"), ("bad", "red"), "gray"),
            variant="soft",
            min_width="3.2rem",
            justify="center",
        ),
        rx.vstack(
            rx.text(factor.label, weight="medium", size="2"),
            rx.text(factor.sentence, size="2", color_scheme="gray"),
            spacing="0",
        ),
        align="start",
        spacing="3",
    )


def reliability_card() -> rx.Component:
    return _card(
        "Fiabilité",
        rx.flex(
            _gauge(),
            rx.vstack(rx.foreach(AnalysisState.factors, _factor), spacing="3", width="100%"),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="1.25rem",
            align=rx.breakpoints(initial="center", sm="start"),
            width="100%",
        ),
        card_id="reliability",
        icon="heart-pulse",
    )


def _cost_line(line: CostView) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(line.label, size="2", weight="medium"), rx.spacer(), rx.text(line.amount_label, size="2", weight="bold"), width="100%"),
        rx.text(line.basis, size="1", color_scheme="gray"),
        spacing="0",
        width="100%",
    )


def cost_card() -> rx.Component:
    return _card(
        "Coût réel par mois",
        rx.hstack(
            rx.text(AnalysisState.monthly_total, size="7", weight="bold", id="monthly-cost"),
            rx.text("/ mois", color_scheme="gray"),
            align="baseline",
            spacing="2",
        ),
        rx.recharts.pie_chart(
            rx.recharts.pie(
                rx.foreach(
                    AnalysisState.costs,
                    lambda _line, index: rx.recharts.cell(fill=rx.Var.create(CHART_COLORS)[index % len(CHART_COLORS)]),
                ),
                data=AnalysisState.costs.to(list[dict[str, Any]]),
                data_key="amount",
                name_key="label",
                inner_radius="55%",
                outer_radius="85%",
                padding_angle=2,
                is_animation_active=False,
            ),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            height=240,
            width="100%",
        ),
        rx.vstack(rx.foreach(AnalysisState.costs, _cost_line), spacing="2", width="100%"),
        rx.cond(
            AnalysisState.cost_leaves_out != "",
            rx.text(AnalysisState.cost_leaves_out, size="1", color_scheme="gray", id="cost-leaves-out"),
        ),
        card_id="costs",
        icon="wallet",
    )


def resale_card() -> rx.Component:
    return _card(
        "Revente",
        rx.grid(
            rx.vstack(rx.text("Valeur aujourd'hui", size="1", color_scheme="gray"), rx.text(AnalysisState.value_range, weight="bold", id="value-range"), spacing="0"),
            rx.vstack(rx.text("Prix à afficher", size="1", color_scheme="gray"), rx.text(AnalysisState.asking_price, weight="bold", size="5", color=rx.color("accent", 11), id="asking-price"), spacing="0"),
            rx.vstack(rx.text("Prix plancher à accepter", size="1", color_scheme="gray"), rx.text(AnalysisState.accept_price, weight="bold"), spacing="0"),
            columns=rx.breakpoints(initial="1", sm="3"),
            gap="0.75rem",
            width="100%",
        ),
        rx.callout.root(
            rx.callout.icon(rx.icon("calendar-clock")),
            rx.vstack(
                rx.text("Meilleur moment : ", rx.text.strong(AnalysisState.best_time_label), size="2"),
                rx.callout.text(AnalysisState.best_time_reason, size="2"),
                spacing="1",
            ),
            id="best-time",
            width="100%",
        ),
        rx.text("Valeur estimée dans les prochaines années", size="2", weight="medium"),
        rx.recharts.line_chart(
            rx.recharts.line(data_key="value", name="Valeur (€)", stroke=CHART_COLORS[0], stroke_width=2, is_animation_active=False),
            rx.recharts.x_axis(data_key="year"),
            rx.recharts.y_axis(width=60),
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke="var(--gray-5)"),
            rx.recharts.graphing_tooltip(),
            data=AnalysisState.curve.to(list[dict[str, Any]]),
            height=220,
            width="100%",
        ),
        rx.accordion.root(
            rx.accordion.item(
                header="Comment ce prix est calculé",
                content=rx.text(AnalysisState.resale_reasoning, size="2", white_space="pre-line"),
            ),
            collapsible=True,
            variant="ghost",
            width="100%",
        ),
        card_id="resale",
        icon="trending-up",
    )


def _alert(alert: AlertView) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon(rx.match(alert.severity, ("critical", "octagon-alert"), ("warning", "triangle-alert"), "info"))),
        rx.vstack(
            rx.cond(alert.date != "", rx.text(rx.text.strong(alert.date), size="1")),
            rx.callout.text(alert.message, size="2"),
            spacing="0",
        ),
        color_scheme=rx.match(alert.severity, ("critical", "red"), ("warning", "amber"), "blue"),
        width="100%",
        class_name="alert-" + alert.type,
    )


def alerts_card() -> rx.Component:
    return _card(
        "Alertes et échéances",
        rx.hstack(
            rx.cond(AnalysisState.next_ct != "", rx.badge(AnalysisState.next_ct, size="2", variant="surface", color_scheme=rx.cond(AnalysisState.ct_overdue, "red", "accent"), id="ct-deadline")),
            rx.cond(AnalysisState.crit_air != "", rx.badge(AnalysisState.crit_air, size="2", variant="surface", color_scheme="gray")),
            wrap="wrap",
            spacing="2",
        ),
        rx.cond(
            AnalysisState.alerts.length() > 0,
            rx.vstack(rx.foreach(AnalysisState.alerts, _alert), spacing="2", width="100%", id="alert-list"),
            rx.text("Aucune alerte : tout est en ordre.", color_scheme="gray", size="2"),
        ),
        card_id="alerts",
        icon="bell",
    )


def _sale_check(item: SaleCheckView) -> rx.Component:
    return rx.hstack(
        rx.match(
            item.status,
            ("blocking", rx.icon("circle-x", size=18, color=rx.color("red", 10), flex_shrink="0")),
            ("warning", rx.icon("triangle-alert", size=18, color=rx.color("amber", 10), flex_shrink="0")),
            rx.icon("circle-check", size=18, color=rx.color("green", 10), flex_shrink="0"),
        ),
        rx.vstack(
            rx.text(item.label, weight="medium", size="2"),
            rx.text(item.message, size="1", color_scheme="gray"),
            spacing="0",
        ),
        align="start",
        spacing="2",
        class_name="sale-check",
        custom_attrs={"data-status": item.status},
    )


def sale_checklist_card() -> rx.Component:
    """What a sale needs: a blocker is red, and the resale advice says so."""
    return _card(
        "Pour vendre en règle",
        rx.cond(
            AnalysisState.sale_blocked,
            rx.callout(
                "Vente impossible en l'état : réglez d'abord les points en rouge.",
                icon="octagon-alert", color_scheme="red", size="1", id="sale-blocked",
            ),
        ),
        rx.vstack(rx.foreach(AnalysisState.sale_checklist, _sale_check), spacing="2", width="100%"),
        card_id="sale-checklist",
        icon="clipboard-check",
    )


def _reference(item: ReferenceView) -> rx.Component:
    return rx.text(
        item.topic, " : ",
        rx.cond(item.url != "", rx.link(item.text, href=item.url, is_external=True), item.text),
        size="1",
        color_scheme="gray",
    )


def references_card() -> rx.Component:
    """Where the figures come from: checkable sources, estimates named as such."""
    return rx.cond(
        AnalysisState.references.length() > 0,
        rx.box(
            rx.heading("Sources", as_="h2", size="2", color_scheme="gray"),
            rx.vstack(rx.foreach(AnalysisState.references, _reference), spacing="1"),
            id="references",
            width="100%",
        ),
    )


def _scenario_row(row: ScenarioView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.label, weight="medium"), rx.text(row.note, size="1", color_scheme="gray")),
        figure_cell("Coût cumulé", row.cost),
        figure_cell("Valeur à la fin", row.value),
        figure_cell("Bilan", rx.text(row.net, weight="bold")),
    )


def scenarios_card() -> rx.Component:
    return _card(
        "Garder ou vendre ?",
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="cost_amount", name="Coût cumulé (€)", fill=CHART_COLORS[3], is_animation_active=False),
            rx.recharts.bar(data_key="value_amount", name="Valeur à la fin (€)", fill=CHART_COLORS[0], is_animation_active=False),
            rx.recharts.x_axis(data_key="label"),
            rx.recharts.y_axis(width=60),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            data=AnalysisState.scenarios.to(list[dict[str, Any]]),
            height=240,
            width="100%",
        ),
        compact_table(
            [("Scénario", False), ("Coût cumulé", True), ("Valeur à la fin", True), ("Bilan", True)],
            AnalysisState.scenarios,
            _scenario_row,
            "scenario-table",
        ),
        rx.text(
            "Bilan = valeur de la voiture à la fin moins ce qu'elle aura coûté d'ici là.",
            size="1",
            color_scheme="gray",
        ),
        card_id="scenarios",
        icon="scale",
    )


def _comparison_row(row: ComparisonView) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.name, weight=rx.cond(row.is_current, "bold", "regular"))),
        figure_cell("Valeur", row.value),
        figure_cell("Coût", row.monthly),
        figure_cell("Fiabilité", row.score),
        background=rx.cond(row.is_current, rx.color("accent", 2), "transparent"),
    )


def comparison_card() -> rx.Component:
    return _card(
        "Comparaison avec d'autres modèles",
        compact_table(
            [("Modèle", False), ("Valeur", True), ("Coût", True), ("Fiabilité", True)],
            AnalysisState.comparisons,
            _comparison_row,
            "comparison-table",
        ),
        rx.text("Même segment, même année et même kilométrage que votre voiture.", size="1", color_scheme="gray"),
        card_id="comparison",
        icon="git-compare",
    )


def summary_card() -> rx.Component:
    return section_card(
        "En résumé",
        rx.text(AnalysisState.summary, size="3", id="analysis-summary", white_space="pre-line"),
        rx.cond(AnalysisState.summary_notice != "", rx.text(AnalysisState.summary_notice, size="1", color_scheme="gray", id="summary-notice")),
        icon="sparkles",
        aside=rx.cond(AnalysisState.summary_from_ai, rx.badge("Rédigé par l'IA à partir de nos calculs", variant="soft")),
        background=rx.color("accent", 2),
    )


def analysis_dashboard() -> rx.Component:
    return rx.cond(
        AnalysisState.analysis_ready,
        rx.vstack(
            rx.cond(
                AnalysisState.analysing,
                rx.hstack(rx.spinner(size="1"), rx.text("Mise à jour de l'analyse…", size="1"), align="center"),
            ),
            summary_card(),
            rx.grid(
                reliability_card(),
                cost_card(),
                columns=rx.breakpoints(initial="1", md="2"),
                gap="1rem",
                width="100%",
            ),
            rx.grid(
                resale_card(),
                alerts_card(),
                columns=rx.breakpoints(initial="1", md="2"),
                gap="1rem",
                width="100%",
            ),
            sale_checklist_card(),
            scenarios_card(),
            comparison_card(),
            references_card(),
            spacing="4",
            width="100%",
            id="analysis",
        ),
        rx.cond(
            AnalysisState.analysis_error != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.vstack(
                    rx.callout.text(AnalysisState.analysis_error),
                    rx.hstack(
                        rx.link(
                            rx.button(rx.icon("pencil", size=14), "Corriger la fiche", size="2"),
                            href=routes.edit_vehicle_url(AnalysisState.page_id),
                            id="fix-vehicle",
                        ),
                        rx.button(
                            rx.icon("rotate-cw", size=14), "Réessayer", size="2", variant="soft",
                            on_click=AnalysisState.run_analysis,
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                    spacing="2",
                ),
                color_scheme="red",
                role="alert",
                id="analysis-error",
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.hstack(rx.spinner(size="3"), rx.text("Analyse en cours…", weight="medium"), align="center", spacing="3"),
                    rx.progress(duration="2s", width="100%"),
                    rx.text("Fiabilité, coûts, valeur de revente, échéances…", size="2", color_scheme="gray"),
                    spacing="3",
                    width="100%",
                ),
                size="3",
                width="100%",
                id="analysis-progress",
            ),
        ),
    )
