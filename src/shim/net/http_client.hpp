// One libcurl easy handle: kept for the life of the client so connections to the same host are
// reused. Not thread-safe; give each thread its own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.hpp"

typedef void CURL;

namespace kinde_claims::shim {

struct HttpTimeouts {
    long connect_ms = 2000;
    long total_ms = 5000;
};

struct HttpResponse {
    long status = 0;
    std::string body;
};

class HttpClient {
public:
    // Responses larger than this are cut off and reported as an error.
    static constexpr std::size_t kMaxResponseBytes = 1024 * 1024;

    explicit HttpClient(HttpTimeouts timeouts);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // The answer, whatever its status; nothing when there was no HTTP answer at all, with `error`
    // saying what went wrong on the way (refused, timed out, larger than kMaxResponseBytes, ...).
    std::optional<HttpResponse> get(const std::string &url, const std::vector<std::string> &headers,
                                    std::string &error);
    std::optional<HttpResponse> post(const std::string &url, const std::vector<std::string> &headers,
                                     std::string_view body, std::string &error);

    // The text percent-encoded for a query string.
    std::string escape(std::string_view text);

    // A header of the last answer received (its first value, when it came more than once).
    std::optional<std::string> response_header(const char *name);

private:
    std::optional<HttpResponse> perform(const std::string &url, const std::vector<std::string> &headers,
                                        const std::string_view *post_body, std::string &error);

    CURL *curl_;
    HttpTimeouts timeouts_;
};

// Once per process, before any thread starts (libcurl's global state).
void http_global_init();

}  // namespace kinde_claims::shim
