// The log lines of `serve` and `sync`: key=value text (the default), or with --log-format json
// one JSON object per line carrying the same fields. Every line is built as text first (log_field
// escapes each value), so both formats always say the same thing.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace kinde_claims::shim {

enum class LogFormat { text, json };

// One log line, without a newline. Never given a token, a key or a payload.
using LogLine = std::function<void(const std::string &line)>;

// key="value" for a log line: quotes, backslashes and control bytes escaped, so no value can
// break the line or forge another; long values are cut.
std::string log_field(const char *name, std::string_view value);

// One text line as a JSON object: the words before the first key=value are "msg", each
// key=value a member (a quoted value unescaped, a bare integer a number, any other bare word a
// string), and "time" the moment, RFC 3339 in UTC with milliseconds. A line whose fields cannot
// be read back is kept whole in "msg".
std::string json_log_line(std::string_view line, std::chrono::system_clock::time_point now);

// Logs a line about a failure that retrying cannot fix at most once per `interval` for each
// kind of failure, adding how many were held back since the last one (" repeated=N").
class RepeatLimiter {
public:
    using Clock = std::chrono::steady_clock;
    using Now = std::function<Clock::time_point()>;
    explicit RepeatLimiter(std::chrono::seconds interval = std::chrono::seconds(60), Now now = Clock::now);
    // The line to log now (with " repeated=N" when N were held back), or "" to log nothing.
    std::string admit(const std::string &kind, const std::string &line);

private:
    struct Seen {
        Clock::time_point logged_at;
        unsigned held_back = 0;
    };
    std::chrono::seconds interval_;
    Now now_;
    std::mutex mutex_;
    std::map<std::string, Seen> seen_;
};

}  // namespace kinde_claims::shim
