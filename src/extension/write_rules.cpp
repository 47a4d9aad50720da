// The rules of src/rules applied to Postgres values: every function argument and every row
// written to kinde_claims.profiles goes through these.
#include "kinde_claims.hpp"

#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
}

namespace kinde_claims {
namespace {

const char *scalar_kind(Jsonb *claims) {
    JsonbValue scalar;
    if (!JsonbExtractScalar(&claims->root, &scalar))
        return "value";
    switch (scalar.type) {
    case jbvNull:
        return "null";
    case jbvString:
        return "string";
    case jbvNumeric:
        return "number";
    case jbvBool:
        return "boolean";
    default:
        return "value";
    }
}

std::string_view allowed_kinde_claims_value() {
    return allowed_kinde_claims ? std::string_view(allowed_kinde_claims) : std::string_view();
}

// The Violation for the first number in `value` (the claim `name`, at any depth) that a double
// would change, FACTS.md §7. The path names where it sits: org_id, limits.seats, ids[2].
std::optional<rules::Violation> claim_numbers_violation(std::string_view name, const JsonbValue &value) {
    auto number_violation = [](const std::string &path, Numeric number) -> std::optional<rules::Violation> {
        char *text = pg::call(
            [&] { return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(number))); });
        std::optional<rules::Violation> violation = rules::check_claim_number(path, text);
        pg::call([&] { pfree(text); });
        return violation;
    };
    std::string path(name);
    if (value.type == jbvNumeric)
        return number_violation(path, value.val.numeric);
    if (value.type != jbvBinary)
        return std::nullopt;

    struct Level {
        bool is_array;
        long index;
        std::size_t path_length;  // the path of the container itself
    };
    std::vector<Level> levels;
    // A member's or element's path: the container's path and its key or index.
    auto step = [&](const JsonbValue *key) {
        Level &parent = levels.back();
        path.resize(parent.path_length);
        if (parent.is_array)
            path += "[" + std::to_string(parent.index++) + "]";
        else
            path.append(".").append(key->val.string.val, static_cast<std::size_t>(key->val.string.len));
    };
    JsonbIterator *iterator = JsonbIteratorInit(value.val.binary.data);
    JsonbValue item;
    JsonbIteratorToken token;
    while ((token = pg::call([&] { return JsonbIteratorNext(&iterator, &item, false); })) != WJB_DONE) {
        switch (token) {
        case WJB_BEGIN_ARRAY:
        case WJB_BEGIN_OBJECT:
            // An object's member already stepped at its key; an array's element steps here.
            if (!levels.empty() && levels.back().is_array)
                step(nullptr);
            levels.push_back({token == WJB_BEGIN_ARRAY, 0, path.size()});
            break;
        case WJB_END_ARRAY:
        case WJB_END_OBJECT:
            levels.pop_back();
            break;
        case WJB_KEY:
            step(&item);
            break;
        case WJB_ELEM:
            step(nullptr);
            [[fallthrough]];
        case WJB_VALUE:
            if (item.type == jbvNumeric)
                if (auto violation = number_violation(path, item.val.numeric))
                    return violation;
            break;
        default:
            break;
        }
    }
    return std::nullopt;
}

// Same JSON value? Containers by jsonb's own comparison, scalars by type and value.
bool json_values_equal(const JsonbValue &a, const JsonbValue &b) {
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case jbvNull:
        return true;
    case jbvBool:
        return a.val.boolean == b.val.boolean;
    case jbvString:
        return a.val.string.len == b.val.string.len &&
               memcmp(a.val.string.val, b.val.string.val, static_cast<std::size_t>(a.val.string.len)) == 0;
    case jbvNumeric:
        return DatumGetBool(
            DirectFunctionCall2(numeric_eq, NumericGetDatum(a.val.numeric), NumericGetDatum(b.val.numeric)));
    case jbvBinary:
        return JsonContainerIsArray(a.val.binary.data) == JsonContainerIsArray(b.val.binary.data) &&
               compareJsonbContainers(a.val.binary.data, b.val.binary.data) == 0;
    default:
        return false;
    }
}

std::optional<rules::Violation> claim_value_violation(std::string_view name, const JsonbValue &value,
                                                      bool numbers) {
    std::optional<rules::Violation> violation =
        rules::check_kinde_issued_claim(name, allowed_kinde_claims_value());
    if (!violation && numbers)
        violation = claim_numbers_violation(name, value);
    return violation;
}

// Whether `claims` holds `key` with the same value.
bool claim_is_stored(Jsonb *claims, const JsonbValue &key, const JsonbValue &value) {
    JsonbValue stored;
    return claims != nullptr && pg::call([&] {
               return getKeyJsonValueFromContainer(&claims->root, key.val.string.val, key.val.string.len,
                                                   &stored) != nullptr &&
                      json_values_equal(value, stored);
           });
}

}  // namespace

void claim_value_check(std::string_view name, const JsonbValue &value, bool numbers, const char *prefix,
                       const char *column) {
    std::optional<rules::Violation> violation = claim_value_violation(name, value, numbers);
    if (!violation)
        return;
    if (prefix)
        violation->message.insert(0, prefix);
    if (column)
        violation->message += std::string(" (column \"") + column + "\")";
    throw pg::Error(*violation);
}

void kinde_id_check(text *kinde_id) {
    // The inline check first: the token path never builds the optional error object.
    if (rules::is_valid_kinde_id(text_view(kinde_id)))
        return;
    if (auto violation = rules::check_kinde_id(text_view(kinde_id)))
        throw pg::Error(*violation);
}

text *kinde_id_argument(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno))
        throw pg::Error(rules::null_kinde_id());
    text *kinde_id = PG_GETARG_TEXT_PP(argno);
    kinde_id_check(kinde_id);
    return kinde_id;
}

void org_code_check(text *org_code) {
    if (rules::is_valid_org_code(text_view(org_code)))
        return;
    if (auto violation = rules::check_org_code(text_view(org_code)))
        throw pg::Error(*violation);
}

text *org_code_argument(FunctionCallInfo fcinfo, int argno) {
    if (PG_ARGISNULL(argno))
        throw pg::Error(rules::null_org_code());
    text *org_code = PG_GETARG_TEXT_PP(argno);
    org_code_check(org_code);
    return org_code;
}

void claims_check(Jsonb *claims, Jsonb *old_claims, text *kinde_id) {
    if (!JB_ROOT_IS_OBJECT(claims))
        throw pg::Error(rules::claims_not_object(JB_ROOT_IS_SCALAR(claims) ? scalar_kind(claims) : "array"));

    char *serialized = JsonbToCString(nullptr, &claims->root, VARSIZE(claims));
    if (auto violation =
            rules::check_claims_size(strlen(serialized), static_cast<std::size_t>(max_claims_bytes)))
        throw pg::Error(*violation);
    pfree(serialized);

    JsonbIterator *iterator = JsonbIteratorInit(&claims->root);
    JsonbValue key, value;
    JsonbIteratorToken token;
    while ((token = pg::call([&] { return JsonbIteratorNext(&iterator, &key, true); })) != WJB_DONE) {
        if (token != WJB_KEY)
            continue;
        std::string_view name(key.val.string.val, static_cast<std::size_t>(key.val.string.len));
        if (auto violation = rules::check_claim_name(name))
            throw pg::Error(*violation);
        pg::call([&] { JsonbIteratorNext(&iterator, &value, true); });
        // A claim this write keeps as it was is served as before, even if stored before a rule
        // existed (or while kinde_claims.allowed_kinde_claims allowed it).
        if (claim_is_stored(old_claims, key, value) || !claim_value_violation(name, value, true))
            continue;
        if (kinde_id != nullptr) {
            old_claims = profile_token_claims(kinde_id);
            kinde_id = nullptr;
            if (claim_is_stored(old_claims, key, value))
                continue;
        }
        claim_value_check(name, value, true);
    }
}

}  // namespace kinde_claims

// kinde_claims.claims_problems(claims jsonb) RETURNS text[]: for the upgrade's report on what was
// stored before these rules. NULL when the object breaks none of them.
KC_FUNCTION(kinde_claims_claims_problems) {
    Jsonb *claims = PG_GETARG_JSONB_P(0);
    bool number = false;
    bool kinde_issued_name = false;
    if (JB_ROOT_IS_OBJECT(claims)) {
        JsonbIterator *iterator = JsonbIteratorInit(&claims->root);
        JsonbValue key, value;
        JsonbIteratorToken token;
        while ((token = JsonbIteratorNext(&iterator, &key, true)) != WJB_DONE) {
            if (token != WJB_KEY)
                continue;
            std::string_view name(key.val.string.val, static_cast<std::size_t>(key.val.string.len));
            JsonbIteratorNext(&iterator, &value, true);
            kinde_issued_name |= kinde_claims::rules::check_kinde_issued_claim(
                                     name, kinde_claims::allowed_kinde_claims_value())
                                     .has_value();
            number |= kinde_claims::claim_numbers_violation(name, value).has_value();
        }
    }
    if (!number && !kinde_issued_name)
        PG_RETURN_NULL();
    Datum problems[2];
    int count = 0;
    if (number)
        problems[count++] = CStringGetTextDatum("number");
    if (kinde_issued_name)
        problems[count++] = CStringGetTextDatum("kinde_issued_name");
    PG_RETURN_ARRAYTYPE_P(construct_array(problems, count, TEXTOID, -1, false, TYPALIGN_INT));
}
