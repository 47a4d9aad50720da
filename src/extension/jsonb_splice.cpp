// claims || {"lifetime_subscriber": flag}, written straight into Jsonb's binary format
// (utils/jsonb.h): byte for byte what jsonb_concat builds, at a fraction of its cost on the
// token path (bench/results/latest.md, "What each speed trick saves"). The same for the custom
// access token hook's merges (object_children, object_from_children).
#include "token.hpp"

#include <string_view>

namespace kinde_claims {
namespace {

// Appends the entries of Jsonb's binary format (utils/jsonb.h) one by one: each child's data
// goes after the previous one's, numbers and containers 4-byte aligned with the padding counted
// in their length, and every JB_OFFSET_STRIDE'th entry holding its end offset instead.
struct ContainerWriter {
    char *jsonb;  // the whole datum, zero-filled; alignment is relative to its start
    JEntry *entries;
    uint32 data_start;  // where the data area begins, from the start of the datum
    uint32 length = 0;  // data written so far
    int count = 0;

    void append(uint32 type, const char *bytes, uint32 size) {
        uint32 padding = 0;
        if (type == JENTRY_ISNUMERIC || type == JENTRY_ISCONTAINER)
            padding = INTALIGN(data_start + length) - (data_start + length);
        if (size > 0)
            memcpy(jsonb + data_start + length + padding, bytes, size);
        length += padding + size;
        entries[count] =
            type | ((count % JB_OFFSET_STRIDE) == 0 ? (length | JENTRY_HAS_OFF) : (padding + size));
        ++count;
    }
};

// The bytes of one child of a datum's root container, from the child's start and end offsets in
// the data area, without the alignment padding in front of a number or container.
const char *child_bytes(const Jsonb *jsonb, uint32 data_start, JEntry entry, uint32 start, uint32 end,
                        uint32 *size) {
    uint32 from = data_start + start;
    uint32 type = entry & JENTRY_TYPEMASK;
    if (type == JENTRY_ISNUMERIC || type == JENTRY_ISCONTAINER)
        from = INTALIGN(from);
    *size = data_start + end - from;
    return reinterpret_cast<const char *>(jsonb) + from;
}

}  // namespace

// Keys are sorted (shorter first, then bytewise), so the flag's key and value are spliced in at
// their place and every other child is copied as it is, without decoding and re-encoding it.
Jsonb *claims_with_flag(const Jsonb *claims, bool lifetime_subscriber) {
    const JsonbContainer *root = &claims->root;
    if (!JsonContainerIsObject(root))
        return nullptr;
    const uint32 pairs = JsonContainerSize(root);
    const JEntry *entries = root->children;
    const uint32 data_start = static_cast<uint32>(reinterpret_cast<const char *>(&entries[2 * pairs]) -
                                                  reinterpret_cast<const char *>(claims));
    const char *data = reinterpret_cast<const char *>(claims) + data_start;
    const std::string_view flag_key = rules::kLifetimeSubscriber;

    uint32 insert_at = pairs;
    uint32 offset = 0;
    for (uint32 i = 0; i < pairs && insert_at == pairs; ++i) {
        uint32 start = offset;
        JBE_ADVANCE_OFFSET(offset, entries[i]);
        std::string_view key(data + start, offset - start);
        int order =
            key.size() != flag_key.size() ? (key.size() < flag_key.size() ? -1 : 1) : key.compare(flag_key);
        if (order == 0)
            return nullptr;
        if (order > 0)
            insert_at = i;
    }

    uint32 old_size = VARSIZE(claims);
    uint32 new_data_start = data_start + 2 * sizeof(JEntry);
    // Every number or container may need up to 3 bytes of new padding.
    Size capacity = static_cast<Size>(old_size) + 2 * sizeof(JEntry) + flag_key.size() + 3 * pairs;
    if (capacity > JENTRY_OFFLENMASK)
        return nullptr;
    auto *result = static_cast<char *>(palloc0(capacity));
    *reinterpret_cast<uint32 *>(result + VARHDRSZ) = (pairs + 1) | JB_FOBJECT;
    ContainerWriter writer{result, reinterpret_cast<JEntry *>(result + VARHDRSZ + sizeof(uint32)),
                           new_data_start};

    const JEntry flag_value = lifetime_subscriber ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
    offset = 0;
    for (uint32 i = 0; i <= 2 * pairs; ++i) {
        if (i == insert_at)
            writer.append(JENTRY_ISSTRING, flag_key.data(), static_cast<uint32>(flag_key.size()));
        if (i == pairs + insert_at)
            writer.append(flag_value, nullptr, 0);
        if (i == 2 * pairs)
            break;
        uint32 start = offset;
        JBE_ADVANCE_OFFSET(offset, entries[i]);
        uint32 size;
        const char *bytes = child_bytes(claims, data_start, entries[i], start, offset, &size);
        writer.append(entries[i] & JENTRY_TYPEMASK, bytes, size);
    }
    SET_VARSIZE(result, new_data_start + writer.length);
    return reinterpret_cast<Jsonb *>(result);
}

uint32 object_children(const char *datum, const JsonbContainer *container, ObjectChild *out) {
    const uint32 pairs = JsonContainerSize(container);
    const JEntry *entries = container->children;
    const uint32 data_start =
        static_cast<uint32>(reinterpret_cast<const char *>(&entries[2 * pairs]) - datum);
    const char *data = datum + data_start;
    uint32 offset = 0;
    for (uint32 i = 0; i < pairs; ++i) {
        uint32 start = offset;
        JBE_ADVANCE_OFFSET(offset, entries[i]);
        out[i].key = std::string_view(data + start, offset - start);
    }
    for (uint32 i = 0; i < pairs; ++i) {
        uint32 start = offset;
        JBE_ADVANCE_OFFSET(offset, entries[pairs + i]);
        out[i].type = entries[pairs + i] & JENTRY_TYPEMASK;
        out[i].value = child_bytes(reinterpret_cast<const Jsonb *>(datum), data_start, entries[pairs + i], start,
                                   offset, &out[i].value_size);
    }
    return pairs;
}

Jsonb *object_from_children(const ObjectChild *children, uint32 count) {
    Size capacity = VARHDRSZ + sizeof(uint32) + 2 * sizeof(JEntry) * static_cast<Size>(count);
    for (uint32 i = 0; i < count; ++i)
        capacity += children[i].key.size() + children[i].value_size + 3;
    if (capacity > JENTRY_OFFLENMASK)
        return nullptr;
    auto *result = static_cast<char *>(palloc0(capacity));
    *reinterpret_cast<uint32 *>(result + VARHDRSZ) = count | JB_FOBJECT;
    const uint32 data_start = static_cast<uint32>(VARHDRSZ + sizeof(uint32) + 2 * sizeof(JEntry) * count);
    ContainerWriter writer{result, reinterpret_cast<JEntry *>(result + VARHDRSZ + sizeof(uint32)), data_start};
    for (uint32 i = 0; i < count; ++i)
        writer.append(JENTRY_ISSTRING, children[i].key.data(), static_cast<uint32>(children[i].key.size()));
    for (uint32 i = 0; i < count; ++i)
        writer.append(children[i].type, children[i].value, children[i].value_size);
    SET_VARSIZE(result, data_start + writer.length);
    return reinterpret_cast<Jsonb *>(result);
}

}  // namespace kinde_claims
