// What `serve` and `sync` count, for Prometheus: a prometheus-cpp registry, rendered by its text
// serializer at GET /metrics (served by our own libmicrohttpd listeners). Every name has the
// prefix kinde_claims_, counters end in _total, durations are in seconds, and every label takes
// a value from a short fixed list (never a user id): docs/shim.md and docs/sync.md list them.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "net/postgrest_client.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace kinde_claims::shim {

// Why a call to PostgREST failed, as an operator must act on it.
//   ok; rejected (400: the input); configuration (401, 403, 404: our key, a grant, the function
//   or schema is missing: retrying will not help); unavailable (no answer, timeout, 5xx: the
//   database or PostgREST is down); unexpected (an answer PostgREST would not give).
const char *rpc_outcome_label(const RpcResult &result);
bool is_configuration_failure(const RpcResult &result);

class Metrics {
public:
    // command: "serve" or "sync", the build_info label.
    explicit Metrics(const char *command);
    ~Metrics();
    Metrics(const Metrics &) = delete;
    Metrics &operator=(const Metrics &) = delete;

    // The Prometheus text exposition format (version 0.0.4) of every metric.
    std::string render() const;
    static constexpr const char *kContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Both commands.
    void postgrest_call(std::string_view function, const RpcResult &result, double seconds);
    // An observer for PostgrestClient::set_observer that feeds postgrest_call.
    PostgrestClient::Observer postgrest_observer();
    void ready(bool ready);

    // serve. result: the webhook's result (applied, duplicate, stale, ignored, refused, future,
    // no_keys, unavailable, configuration, too_large); other values count as "other".
    void webhook(unsigned status, std::string_view result);
    void signing_keys_refresh(bool loaded, std::size_t keys_now);
    // reason: "per_client" or "total".
    void connection_refused(const char *reason);
    void connection_cut();

    // sync. outcome: refresh_outcome_name().
    void refresh_claims(std::string_view outcome, double seconds);
    // by: "kinde" (a 429) or "rate" (a call waited for --rate / --burst).
    void throttled(const char *by);
    // outcome: fetched, refused, unavailable.
    void m2m_token(const char *outcome);
    void m2m_token_expires(std::chrono::system_clock::time_point when);
    void feed(double unpushed, double lag_seconds);
    // A lease's wait for the standbys to replay its changes. outcome: replayed, timeout.
    void replica_wait(const char *outcome, double seconds);

private:
    void register_serve(prometheus::Registry &registry);
    void register_sync(prometheus::Registry &registry);

    std::shared_ptr<prometheus::Registry> registry_;
    // Those of the other command stay null (and the calls that feed them do nothing).
    prometheus::Family<prometheus::Counter> *webhooks_ = nullptr, *key_refreshes_ = nullptr,
                                            *postgrest_calls_ = nullptr, *refreshes_ = nullptr,
                                            *throttled_ = nullptr, *connections_refused_ = nullptr,
                                            *tokens_ = nullptr, *replica_waits_ = nullptr;
    prometheus::Family<prometheus::Histogram> *postgrest_seconds_ = nullptr, *refresh_seconds_ = nullptr,
                                              *replica_wait_seconds_ = nullptr;
    prometheus::Gauge *keys_ = nullptr, *unpushed_ = nullptr, *lag_ = nullptr, *token_expiry_ = nullptr,
                      *ready_ = nullptr;
    prometheus::Counter *connections_cut_ = nullptr;
};

}  // namespace kinde_claims::shim
