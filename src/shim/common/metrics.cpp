#include "common/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <sstream>

#include "common/version.hpp"

namespace kinde_claims::shim {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// A label's value from a fixed list; anything else is "other", so no caller can make a label
// unbounded.
template <std::size_t N>
std::string bounded(std::string_view value, const std::array<const char *, N> &allowed) {
    for (const char *candidate : allowed)
        if (value == candidate)
            return candidate;
    return "other";
}

constexpr std::array<const char *, 4> kFunctions = {"kinde_webhook_apply", "kinde_claims_changes_lease",
                                                    "kinde_claims_changes_done", "kinde_claims_changes_lag"};
constexpr std::array<const char *, 5> kRpcOutcomes = {"ok", "rejected", "configuration", "unavailable",
                                                      "unexpected"};
constexpr std::array<const char *, 10> kWebhookResults = {"applied", "duplicate",   "stale",         "ignored",
                                                          "refused", "future",      "no_keys",       "unavailable",
                                                          "configuration", "too_large"};
constexpr std::array<const char *, 6> kRefreshOutcomes = {"refreshed", "rejected",  "unauthorized",
                                                          "forbidden", "throttled", "unavailable"};

// Calls to PostgREST and to Kinde: from 5 ms to 10 s (the longest --timeout a call is likely given).
const Histogram::BucketBoundaries &call_buckets() {
    static const Histogram::BucketBoundaries buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                        0.5,   1,    2.5,   5,    10};
    return buckets;
}

// A lease's wait for the standbys: from a moment to the longest --replica-wait-ms worth having.
const Histogram::BucketBoundaries &replica_wait_buckets() {
    static const Histogram::BucketBoundaries buckets = {0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    return buckets;
}

}  // namespace

bool is_configuration_failure(const RpcResult &result) {
    return result.outcome == RpcOutcome::rejected &&
           (result.status == 401 || result.status == 403 || result.status == 404);
}

const char *rpc_outcome_label(const RpcResult &result) {
    switch (result.outcome) {
    case RpcOutcome::ok:
        return "ok";
    case RpcOutcome::rejected:
        return is_configuration_failure(result) ? "configuration" : "rejected";
    case RpcOutcome::unavailable:
        return "unavailable";
    case RpcOutcome::unexpected:
        break;
    }
    return "unexpected";
}

Metrics::Metrics(const char *command) : registry_(std::make_shared<prometheus::Registry>()) {
    prometheus::Registry &registry = *registry_;
    prometheus::BuildGauge()
        .Name("kinde_claims_build_info")
        .Help("Always 1; the labels say which version of kinde-claims-shim runs which command")
        .Register(registry)
        .Add({{"version", shim_version()}, {"command", command}})
        .Set(1);
    ready_ = &prometheus::BuildGauge()
                  .Name("kinde_claims_ready")
                  .Help("1 when the last readiness check (GET /ready) passed, else 0")
                  .Register(registry)
                  .Add({});
    postgrest_calls_ = &prometheus::BuildCounter()
                            .Name("kinde_claims_postgrest_calls_total")
                            .Help("PostgREST RPC calls by function and outcome (configuration: 401, 403 or 404)")
                            .Register(registry);
    postgrest_seconds_ = &prometheus::BuildHistogram()
                              .Name("kinde_claims_postgrest_call_duration_seconds")
                              .Help("How long PostgREST RPC calls took, by function")
                              .Register(registry);
    if (std::string_view(command) == "serve")
        register_serve(registry);
    else
        register_sync(registry);
}

// serve's families: the webhooks, Kinde's signing keys, the listener's refused and cut connections.
void Metrics::register_serve(prometheus::Registry &registry) {
    webhooks_ = &prometheus::BuildCounter()
                     .Name("kinde_claims_webhook_requests_total")
                     .Help("Webhook requests (POST /kinde/webhook) by the HTTP status answered and the result")
                     .Register(registry);
    key_refreshes_ = &prometheus::BuildCounter()
                          .Name("kinde_claims_signing_key_refreshes_total")
                          .Help("Loads of Kinde's signing keys (JWKS) by outcome")
                          .Register(registry);
    keys_ = &prometheus::BuildGauge()
                 .Name("kinde_claims_signing_keys")
                 .Help("Signing keys loaded now")
                 .Register(registry)
                 .Add({});
    connections_refused_ = &prometheus::BuildCounter()
                                .Name("kinde_claims_connections_refused_total")
                                .Help("Connections closed at once because a limit was reached, by limit")
                                .Register(registry);
    connections_cut_ = &prometheus::BuildCounter()
                            .Name("kinde_claims_connections_cut_total")
                            .Help("Connections cut because no whole request came within --request-timeout")
                            .Register(registry)
                            .Add({});
    // Series that exist from the start, at 0, so a rate over them has a first point.
    webhooks_->Add({{"status", "200"}, {"result", "applied"}});
    for (const char *outcome : {"loaded", "failed"})
        key_refreshes_->Add({{"outcome", outcome}});
    for (const char *reason : {"per_client", "total"})
        connections_refused_->Add({{"reason", reason}});
    postgrest_calls_->Add({{"function", "kinde_webhook_apply"}, {"outcome", "ok"}});
    postgrest_seconds_->Add({{"function", "kinde_webhook_apply"}}, call_buckets());
}

// sync's families: Kinde's refresh_claims calls, throttling, the M2M token, the feed, the standbys.
void Metrics::register_sync(prometheus::Registry &registry) {
    refreshes_ = &prometheus::BuildCounter()
                      .Name("kinde_claims_refresh_claims_calls_total")
                      .Help("Calls of Kinde's refresh_claims by outcome")
                      .Register(registry);
    refresh_seconds_ = &prometheus::BuildHistogram()
                            .Name("kinde_claims_refresh_claims_duration_seconds")
                            .Help("How long calls of Kinde's refresh_claims took")
                            .Register(registry);
    throttled_ = &prometheus::BuildCounter()
                      .Name("kinde_claims_throttled_calls_total")
                      .Help("Calls to Kinde held back: by Kinde (429) or by our own --rate and --burst")
                      .Register(registry);
    tokens_ = &prometheus::BuildCounter()
                   .Name("kinde_claims_m2m_token_requests_total")
                   .Help("Requests for an M2M access token by outcome")
                   .Register(registry);
    token_expiry_ = &prometheus::BuildGauge()
                         .Name("kinde_claims_m2m_token_expiry_timestamp_seconds")
                         .Help("When the M2M access token in use expires, in seconds since the Unix epoch "
                               "(0: none fetched yet)")
                         .Register(registry)
                         .Add({});
    unpushed_ = &prometheus::BuildGauge()
                     .Name("kinde_claims_feed_unpushed_changes")
                     .Help("Claims history entries not yet pushed to Kinde, at the last look "
                           "(each GET /metrics, /ready or /healthz)")
                     .Register(registry)
                     .Add({});
    lag_ = &prometheus::BuildGauge()
                .Name("kinde_claims_feed_lag_seconds")
                .Help("Age of the oldest change not yet pushed to Kinde, at the last look")
                .Register(registry)
                .Add({});
    replica_waits_ = &prometheus::BuildCounter()
                          .Name("kinde_claims_replica_waits_total")
                          .Help("Leases that waited for every standby to replay their changes before calling "
                                "Kinde, by outcome (timeout: a standby was still behind at --replica-wait-ms "
                                "and Kinde was called anyway)")
                          .Register(registry);
    replica_wait_seconds_ = &prometheus::BuildHistogram()
                                 .Name("kinde_claims_replica_wait_seconds")
                                 .Help("How long leases waited for the standbys to replay their changes")
                                 .Register(registry);
    for (const char *outcome : {"replayed", "timeout"})
        replica_waits_->Add({{"outcome", outcome}});
    replica_wait_seconds_->Add({}, replica_wait_buckets());
    for (const char *outcome : kRefreshOutcomes)
        refreshes_->Add({{"outcome", outcome}});
    refresh_seconds_->Add({}, call_buckets());
    for (const char *by : {"kinde", "rate"})
        throttled_->Add({{"by", by}});
    for (const char *outcome : {"fetched", "refused", "unavailable"})
        tokens_->Add({{"outcome", outcome}});
    for (const char *function : {"kinde_claims_changes_lease", "kinde_claims_changes_done"}) {
        postgrest_calls_->Add({{"function", function}, {"outcome", "ok"}});
        postgrest_seconds_->Add({{"function", function}}, call_buckets());
    }
}

Metrics::~Metrics() = default;

std::string Metrics::render() const {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_->Collect());
    return out.str();
}

void Metrics::postgrest_call(std::string_view function, const RpcResult &result, double seconds) {
    std::string name = bounded(function, kFunctions);
    postgrest_calls_->Add({{"function", name}, {"outcome", rpc_outcome_label(result)}}).Increment();
    postgrest_seconds_->Add({{"function", name}}, call_buckets()).Observe(seconds);
}

PostgrestClient::Observer Metrics::postgrest_observer() {
    return [this](std::string_view function, const RpcResult &result, double seconds) {
        postgrest_call(function, result, seconds);
    };
}

void Metrics::ready(bool ready) {
    ready_->Set(ready ? 1 : 0);
}

void Metrics::webhook(unsigned status, std::string_view result) {
    if (webhooks_)
        webhooks_->Add({{"status", std::to_string(status)}, {"result", bounded(result, kWebhookResults)}})
            .Increment();
}

void Metrics::signing_keys_refresh(bool loaded, std::size_t keys_now) {
    if (!key_refreshes_)
        return;
    key_refreshes_->Add({{"outcome", loaded ? "loaded" : "failed"}}).Increment();
    keys_->Set(static_cast<double>(keys_now));
}

void Metrics::connection_refused(const char *reason) {
    if (connections_refused_)
        connections_refused_->Add({{"reason", reason}}).Increment();
}

void Metrics::connection_cut() {
    if (connections_cut_)
        connections_cut_->Increment();
}

void Metrics::refresh_claims(std::string_view outcome, double seconds) {
    if (!refreshes_)
        return;
    refreshes_->Add({{"outcome", bounded(outcome, kRefreshOutcomes)}}).Increment();
    refresh_seconds_->Add({}, call_buckets()).Observe(seconds);
}

void Metrics::throttled(const char *by) {
    if (throttled_)
        throttled_->Add({{"by", by}}).Increment();
}

void Metrics::m2m_token(const char *outcome) {
    if (tokens_)
        tokens_->Add({{"outcome", outcome}}).Increment();
}

void Metrics::m2m_token_expires(std::chrono::system_clock::time_point when) {
    if (token_expiry_)
        token_expiry_->Set(std::chrono::duration<double>(when.time_since_epoch()).count());
}

void Metrics::replica_wait(const char *outcome, double seconds) {
    if (!replica_waits_)
        return;
    replica_waits_->Add({{"outcome", outcome}}).Increment();
    replica_wait_seconds_->Add({}, replica_wait_buckets()).Observe(seconds);
}

void Metrics::feed(double unpushed, double lag_seconds) {
    if (!unpushed_)
        return;
    unpushed_->Set(unpushed);
    lag_->Set(lag_seconds);
}

}  // namespace kinde_claims::shim
