// `serve`: libmicrohttpd receives Kinde's webhooks; each verified event becomes one RPC call.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "config.hpp"
#include "jwks_cache.hpp"
#include "postgrest_client.hpp"

struct MHD_Daemon;

namespace kinde_claims::shim {

// One log line, without a newline. Never given a token, a key or a payload.
using LogLine = std::function<void(const std::string &line)>;

class WebhookServer {
public:
    WebhookServer(ServeConfig serve, ClientConfig client, JwksCache &keys, LogLine log);
    ~WebhookServer();
    WebhookServer(const WebhookServer &) = delete;
    WebhookServer &operator=(const WebhookServer &) = delete;

    // Starts listening; true once requests are being served, else false with `error` set.
    bool start(std::string &error);
    // The port it listens on (the one picked, when the configuration said 0).
    std::uint16_t port() const { return port_; }
    void stop();

    // What one webhook request gets: status and JSON body. Logs its one line.
    struct Answer {
        unsigned status;
        std::string body;
    };
    Answer webhook(const std::string &body, const std::string &content_type, bool too_large);
    Answer health();
    // Any request but a webhook POST: /healthz, or 404/405. Logs its one line.
    Answer other_request(std::string_view method, std::string_view path);

private:
    PostgrestClient &client();

    ServeConfig serve_;
    ClientConfig client_config_;
    JwksCache &keys_;
    LogLine log_;
    MHD_Daemon *daemon_ = nullptr;
    std::uint16_t port_ = 0;
};

}  // namespace kinde_claims::shim
