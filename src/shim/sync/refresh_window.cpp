#include "sync/refresh_window.hpp"

#include <jansson.h>

namespace kinde_claims::shim {

RefreshWindow::RefreshWindow(std::chrono::seconds window, Now now)
    : window_(std::max(window, std::chrono::seconds(1))), now_(std::move(now)),
      seconds_(static_cast<std::size_t>(window_.count())), report_since_(now_()) {}

long long RefreshWindow::second_of(Clock::time_point at) const {
    return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

void RefreshWindow::add(RefreshOutcome outcome, long status) {
    Clock::time_point at = now_();
    long long second = second_of(at);
    std::lock_guard<std::mutex> lock(mutex_);
    Second &slot = seconds_[static_cast<std::size_t>(second % static_cast<long long>(seconds_.size()))];
    if (slot.at != second)
        slot = Second{second, {}, 0};
    ++slot.calls[static_cast<std::size_t>(outcome)];
    if (status == 401 || status == 403 || status == 404)
        ++slot.refused;
    ++report_.calls[static_cast<std::size_t>(outcome)];
    if (status == 401 || status == 403 || status == 404)
        ++report_.refused;
    if (outcome != RefreshOutcome::refreshed) {
        last_problem_ = outcome;
        last_problem_status_ = status;
        last_problem_at_ = at;
        report_.last_problem = outcome;
        report_.last_problem_status = status;
    }
}

RefreshWindow::Summary RefreshWindow::take_report() {
    Clock::time_point now = now_();
    std::lock_guard<std::mutex> lock(mutex_);
    Summary report = report_;
    report.span = std::chrono::duration_cast<std::chrono::seconds>(now - report_since_ + std::chrono::milliseconds(500));
    if (report.last_problem)
        report.last_problem_seconds_ago = std::chrono::duration<double>(now - last_problem_at_).count();
    report_ = Summary{};
    report_since_ = now;
    return report;
}

RefreshWindow::Summary RefreshWindow::summary(std::chrono::seconds span) const {
    Summary summary;
    summary.span = std::min(std::max(span, std::chrono::seconds(1)), window_);
    Clock::time_point now = now_();
    long long newest = second_of(now), oldest = newest - summary.span.count() + 1;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Second &slot : seconds_) {
        if (slot.at < oldest || slot.at > newest)
            continue;
        for (std::size_t i = 0; i < kOutcomes; ++i)
            summary.calls[i] += slot.calls[i];
        summary.refused += slot.refused;
    }
    if (last_problem_ && second_of(last_problem_at_) >= oldest) {
        summary.last_problem = last_problem_;
        summary.last_problem_status = last_problem_status_;
        summary.last_problem_seconds_ago = std::chrono::duration<double>(now - last_problem_at_).count();
    }
    return summary;
}

long RefreshWindow::Summary::total() const {
    long total = 0;
    for (long count : calls)
        total += count;
    return total;
}

const char *RefreshWindow::Summary::health() const {
    long all = total();
    if (all >= kMinCalls && of(RefreshOutcome::refreshed) == 0)
        return "failing";
    return all > of(RefreshOutcome::refreshed) ? "degraded" : "ok";
}

bool RefreshWindow::Summary::misconfigured() const {
    long all = total();
    return all >= kMinCalls && refused == all;
}

std::string RefreshWindow::Summary::misconfigured_reason() const {
    return "every refresh_claims call of the last " + std::to_string(span.count()) + " s (" +
           std::to_string(total()) + ") was refused (401, 403 or 404; the last " +
           std::to_string(last_problem_status) +
           "): is KINDE_DOMAIN (KINDE_URL) the Kinde business, and environment, whose users these are?";
}

namespace {
constexpr RefreshOutcome kAll[] = {RefreshOutcome::refreshed,    RefreshOutcome::rejected,
                                   RefreshOutcome::unauthorized, RefreshOutcome::forbidden,
                                   RefreshOutcome::throttled,    RefreshOutcome::unavailable};
}

Json RefreshWindow::Summary::json() const {
    Json calls_object(json_object());
    for (RefreshOutcome outcome : kAll)
        json_object_set_new(calls_object.get(), refresh_outcome_name(outcome), json_integer(of(outcome)));
    Json problem(last_problem ? json_pack("{s:s, s:I, s:f}", "outcome", refresh_outcome_name(*last_problem), "status",
                                          static_cast<json_int_t>(last_problem_status), "seconds_ago",
                                          last_problem_seconds_ago)
                              : json_null());
    return Json(json_pack("{s:I, s:O, s:O}", "window_seconds", static_cast<json_int_t>(span.count()), "calls",
                          calls_object.get(), "last_problem", problem.get()));
}

std::string RefreshWindow::Summary::log_fields() const {
    std::string fields = " seconds=" + std::to_string(span.count()) + " calls=" + std::to_string(total());
    for (RefreshOutcome outcome : kAll)
        fields += " " + std::string(refresh_outcome_name(outcome)) + "=" + std::to_string(of(outcome));
    if (last_problem)
        fields += " last_problem=" + std::string(refresh_outcome_name(*last_problem)) +
                  " last_status=" + std::to_string(last_problem_status);
    return fields + " health=" + health();
}

}  // namespace kinde_claims::shim
