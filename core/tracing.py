"""Traces, off by default: OpenTelemetry's Django, Celery, psycopg2 and requests
instrumentation, exported over OTLP/HTTP once its standard environment variables name a
collector (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the
exporter reads the rest, OTEL_SERVICE_NAME names the process). One trace runs from an
API call through the task it hands to Celery (the trace context travels in the task's
headers) to the worker's webhook POST (and its traceparent header).

Nothing of OpenTelemetry is imported unless tracing is on: `make run` starts as fast.
"""

import os

ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

_started = False


def wanted():
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true"
    return not disabled and any(os.environ.get(name) for name in ENDPOINTS)


def start(service_name):
    """Instrument this process and export its spans, if a collector is named. Once: a
    process forked from it (a Celery child) inherits it, and the exporter's thread
    restarts there by itself. Returns whether tracing is on."""
    global _started
    if not wanted():
        return False
    if _started:
        return True
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    service = os.environ.get("OTEL_SERVICE_NAME") or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument()
    CeleryInstrumentor().instrument()
    # No SQL comments: statements stay as written, and the same on every database.
    Psycopg2Instrumentor().instrument(enable_commenter=False)
    RequestsInstrumentor().instrument()
    _started = True
    return True


def flush():
    """Send the spans still waiting (a process about to end)."""
    if _started:
        from opentelemetry import trace

        trace.get_tracer_provider().force_flush()
