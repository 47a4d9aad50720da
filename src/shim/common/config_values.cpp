#include "common/config_values.hpp"

#include <arpa/inet.h>

#include <fstream>
#include <sstream>

namespace kinde_claims::shim {
namespace {

bool is_loopback_host(const std::string &host) {
    in_addr ipv4;
    if (inet_pton(AF_INET, host.c_str(), &ipv4) == 1)
        return (ntohl(ipv4.s_addr) >> 24) == 127;
    return host == "localhost" || host == "[::1]";
}

}  // namespace

std::optional<long> parse_positive(const std::string &text, long max) {
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value < 1 || value > max)
        return std::nullopt;
    return value;
}

std::optional<double> parse_number(const std::string &text, double min, double max) {
    if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789.") != std::string::npos)
        return std::nullopt;
    std::istringstream in(text);
    double value = 0;
    if (!(in >> value) || !in.eof() || value < min || value > max)
        return std::nullopt;
    return value;
}

std::string trim_line_end(std::string text) {
    while (!text.empty() &&
           (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.pop_back();
    return text;
}

std::string without_trailing_slashes(std::string url) {
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    return url;
}

std::optional<std::string> read_secret_file(const std::string &path, const std::string &what,
                                            std::string &error) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = "cannot read the " + what + " file " + path;
        return std::nullopt;
    }
    std::ostringstream text;
    text << file.rdbuf();
    std::string secret = trim_line_end(text.str());
    if (secret.empty()) {
        error = "the " + what + " file " + path + " is empty";
        return std::nullopt;
    }
    return secret;
}

std::optional<std::string> kinde_url_for_domain(const std::string &domain) {
    std::string host = domain;
    if (host.rfind("https://", 0) == 0)
        host = host.substr(8);
    host = without_trailing_slashes(host);
    if (host.empty())
        return std::nullopt;
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '.' || c == ':';
        if (!ok)
            return std::nullopt;
    }
    return "https://" + host;
}

std::optional<std::string> jwks_url_for_domain(const std::string &domain) {
    auto kinde_url = kinde_url_for_domain(domain);
    if (!kinde_url)
        return std::nullopt;
    return *kinde_url + "/.well-known/jwks.json";
}

bool check_jwks_url(const std::string &url, std::string &error) {
    if (url.rfind("https://", 0) == 0 && url.size() > 8)
        return true;
    if (url.rfind("http://", 0) == 0) {
        std::string rest = url.substr(7);
        std::string host = rest.substr(0, rest.find('/'));
        if (host.rfind('[', 0) == 0)
            host = host.substr(0, host.find(']') + 1);
        else
            host = host.substr(0, host.find(':'));
        if (is_loopback_host(host))
            return true;
        error = "JWKS URL " + url + " must use https (plain http is allowed only on the loopback interface)";
        return false;
    }
    error = "JWKS URL " + url + " is not an https URL";
    return false;
}

}  // namespace kinde_claims::shim
