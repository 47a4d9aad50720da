// The rules of src/rules applied to Postgres values: every function argument and every row
// written to kinde_claims.profiles goes through these.
#include "kinde_claims.hpp"

#include <string_view>

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

}  // namespace

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

void claims_check(Jsonb *claims) {
    if (!JB_ROOT_IS_OBJECT(claims))
        throw pg::Error(rules::claims_not_object(JB_ROOT_IS_SCALAR(claims) ? scalar_kind(claims) : "array"));

    char *serialized = JsonbToCString(nullptr, &claims->root, VARSIZE(claims));
    if (auto violation =
            rules::check_claims_size(strlen(serialized), static_cast<std::size_t>(max_claims_bytes)))
        throw pg::Error(*violation);
    pfree(serialized);

    JsonbIterator *iterator = JsonbIteratorInit(&claims->root);
    JsonbValue value;
    JsonbIteratorToken token;
    while ((token = pg::call([&] { return JsonbIteratorNext(&iterator, &value, true); })) != WJB_DONE) {
        if (token != WJB_KEY)
            continue;
        std::string_view name(value.val.string.val, static_cast<std::size_t>(value.val.string.len));
        if (auto violation = rules::check_claim_name(name))
            throw pg::Error(*violation);
    }
}

}  // namespace kinde_claims
