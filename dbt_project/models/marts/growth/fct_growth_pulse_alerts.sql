{%- set severity_ranks = {'low': 1, 'medium': 2, 'high': 3} -%}
{%- set alert_severity = var('pulse_alert_severity') -%}
{%- if alert_severity not in severity_ranks -%}
    {{ exceptions.raise_compiler_error(
        "var pulse_alert_severity must be one of low|medium|high, got " ~ alert_severity) }}
{%- endif -%}
{{ config(
    window_column='pulse_date',
) }}
-- Growth insights at or above severity '{{ alert_severity }}' (var pulse_alert_severity),
-- as alerts a notifier can send: alert_id is stable across rebuilds of the same day.
select
    tenant_id,
    pulse_date,
    tenant_id || ':' || strftime(pulse_date, '%Y-%m-%d') || ':' || insight_id as alert_id,
    insight_id,
    metric,
    rule,
    direction,
    severity,
    severity_rank,
    value,
    previous_value,
    change,
    format('[{}] {}: {}', upper(severity), strftime(pulse_date, '%Y-%m-%d'), text)
        as alert_text,
    text as insight_text
from {{ ref('fct_growth_pulse_insights') }}
where {{ in_model_window('pulse_date') }}
    and severity_rank >= {{ severity_ranks[alert_severity] }}
