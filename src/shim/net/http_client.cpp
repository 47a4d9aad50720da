#include "net/http_client.hpp"

#include <new>

#include "common/raii.hpp"

namespace kinde_claims::shim {
namespace {

struct Sink {
    std::string *body;
    bool too_large = false;
};

size_t write_body(char *data, size_t size, size_t count, void *context) {
    auto *sink = static_cast<Sink *>(context);
    size_t bytes = size * count;
    if (sink->body->size() + bytes > HttpClient::kMaxResponseBytes) {
        sink->too_large = true;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    sink->body->append(data, bytes);
    return bytes;
}

}  // namespace

void http_global_init() {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

HttpClient::HttpClient(HttpTimeouts timeouts) : curl_(curl_easy_init()), timeouts_(timeouts) {
    if (!curl_)
        throw std::bad_alloc();
}

HttpClient::~HttpClient() {
    curl_easy_cleanup(curl_);
}

std::string HttpClient::escape(std::string_view text) {
    CurlText escaped(curl_easy_escape(curl_, text.data(), static_cast<int>(text.size())));
    if (!escaped)
        throw std::bad_alloc();
    return std::string(escaped.get());
}

std::optional<std::string> HttpClient::response_header(const char *name) {
    curl_header *header = nullptr;
    if (curl_easy_header(curl_, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || !header)
        return std::nullopt;
    return std::string(header->value);
}

std::optional<HttpResponse> HttpClient::get(const std::string &url, const std::vector<std::string> &headers,
                                            std::string &error) {
    return perform(url, headers, nullptr, error);
}

std::optional<HttpResponse> HttpClient::post(const std::string &url, const std::vector<std::string> &headers,
                                             std::string_view body, std::string &error) {
    return perform(url, headers, &body, error);
}

std::optional<HttpResponse> HttpClient::perform(const std::string &url,
                                                const std::vector<std::string> &headers,
                                                const std::string_view *post_body, std::string &error) {
    HttpResponse response;
    Sink sink{&response.body};
    CurlHeaders header_list;
    for (const std::string &header : headers) {
        curl_slist *extended = curl_slist_append(header_list.get(), header.c_str());
        if (!extended)
            throw std::bad_alloc();
        header_list.release();
        header_list.reset(extended);
    }

    // reset keeps the connection cache and the DNS cache, which is the point of keeping the handle.
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, timeouts_.connect_ms);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, timeouts_.total_ms);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    if (post_body) {
        curl_easy_setopt(curl_, CURLOPT_POST, 1L);
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, post_body->data());
        curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
    } else {
        curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }

    CURLcode code = curl_easy_perform(curl_);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    if (code != CURLE_OK) {
        error = sink.too_large ? "response larger than 1 MiB" : curl_easy_strerror(code);
        return std::nullopt;
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

}  // namespace kinde_claims::shim
