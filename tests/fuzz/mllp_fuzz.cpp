// libFuzzer target: the MLLP framer with the input split at arbitrary points into Feed calls. The first bytes
// choose the frame limit and the split points. Invariants: no frame exceeds the limit or holds a start or end
// block, and the same bytes fed in one piece give the same frames and errors.
#include <connectors/hl7/mllp.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

using carelisten::connectors::hl7::MllpFramer;

void Require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

/// Frames as their payload, errors as a marker no payload can equal (it holds a start block).
void Drain(MllpFramer& framer, std::size_t limit, std::vector<std::string>& out) {
    while (auto next = framer.Next()) {
        if (const auto* frame = std::get_if<MllpFramer::Frame>(&*next)) {
            Require(frame->payload.size() <= limit);
            Require(frame->payload.find('\x0B') == std::string::npos);
            Require(frame->payload.find('\x1C') == std::string::npos);
            out.push_back(frame->payload);
        } else {
            Require(!std::get<MllpFramer::FramingError>(*next).reason.empty());
            out.emplace_back("\x0B error");
        }
    }
    Require(framer.PartialBytes() <= limit);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::size_t limit = 1U + data[0] % 64U;
    const unsigned split_seed = data[1];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);

    MllpFramer pieces(limit);
    std::vector<std::string> from_pieces;
    std::size_t pos = 0;
    unsigned state = split_seed | 1U;
    while (pos < bytes.size()) {
        state = state * 1103515245U + 12345U;  // a tiny LCG: split points vary with the input, reproducibly
        const std::size_t length = 1U + (state >> 16U) % 17U;
        pieces.Feed(bytes.substr(pos, length));
        pos += length;
        Drain(pieces, limit, from_pieces);
    }

    MllpFramer whole(limit);
    std::vector<std::string> from_whole;
    whole.Feed(bytes);
    Drain(whole, limit, from_whole);
    Require(from_pieces == from_whole);
    Require(pieces.InFrame() == whole.InFrame() && pieces.PartialBytes() == whole.PartialBytes());
    return 0;
}
