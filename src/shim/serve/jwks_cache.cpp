#include "serve/jwks_cache.hpp"

#include <fstream>
#include <sstream>

namespace kinde_claims::shim {

JwksCache::JwksCache(Loader loader, Now now) : loader_(std::move(loader)), now_(std::move(now)) {}

std::shared_ptr<const KeySet> JwksCache::keys() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
}

bool JwksCache::allowed_locked(Clock::time_point now) const {
    if (!attempted_)
        return true;
    return now - last_attempt_ >= (keys_ ? kMinInterval : kMinIntervalWithoutKeys);
}

JwksCache::RefreshResult JwksCache::load_locked() {
    Clock::time_point now = now_();
    attempted_ = true;
    last_attempt_ = now;
    std::string error;
    std::optional<std::string> jwks = loader_(error);
    if (!jwks)
        return {Refresh::failed, error};
    std::optional<KeySet> set = KeySet::from_jwks(*jwks, error);
    if (!set)
        return {Refresh::failed, error};
    std::string message = std::to_string(set->size()) + (set->size() == 1 ? " key:" : " keys:");
    for (const std::string &kid : set->kids())
        message += " " + kid;
    keys_ = std::make_shared<const KeySet>(std::move(*set));
    last_success_ = now;
    return {Refresh::loaded, message};
}

JwksCache::RefreshResult JwksCache::load() {
    std::lock_guard<std::mutex> lock(mutex_);
    return load_locked();
}

JwksCache::RefreshResult JwksCache::refresh_if_allowed() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!allowed_locked(now_()))
        return {Refresh::not_due, {}};
    return load_locked();
}

JwksCache::RefreshResult JwksCache::refresh_if_old() {
    std::lock_guard<std::mutex> lock(mutex_);
    Clock::time_point now = now_();
    if (keys_ && now - last_success_ < kMaxAge)
        return {Refresh::not_due, {}};
    if (!allowed_locked(now))
        return {Refresh::not_due, {}};
    return load_locked();
}

JwksCache::Loader jwks_file_loader(std::string path) {
    return [path = std::move(path)](std::string &error) -> std::optional<std::string> {
        std::ifstream file(path, std::ios::binary);
        if (!file) {
            error = "cannot read JWKS file " + path;
            return std::nullopt;
        }
        std::ostringstream text;
        text << file.rdbuf();
        return text.str();
    };
}

JwksCache::Loader jwks_url_loader(std::string url, HttpTimeouts timeouts) {
    auto client = std::make_shared<HttpClient>(timeouts);
    return [url = std::move(url), client](std::string &error) -> std::optional<std::string> {
        std::string fetch_error;
        std::optional<HttpResponse> response = client->get(url, {"Accept: application/json"}, fetch_error);
        if (!response) {
            error = "cannot fetch JWKS from " + url + ": " + fetch_error;
            return std::nullopt;
        }
        if (response->status != 200) {
            error = "JWKS URL " + url + " answered " + std::to_string(response->status);
            return std::nullopt;
        }
        return std::move(response->body);
    };
}

}  // namespace kinde_claims::shim
