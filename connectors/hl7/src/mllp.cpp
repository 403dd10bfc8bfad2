/// @file
/// @brief MLLP framing as a byte-at-a-time state machine, so a frame split anywhere across reads is the same
/// frame.
#include <connectors/hl7/mllp.hpp>
#include <utility>

namespace carelisten::connectors::hl7 {

std::string MllpWrap(std::string_view message) {
    std::string out;
    out.reserve(message.size() + 3);
    out += kMllpStartBlock;
    out.append(message);
    out += kMllpEndBlock;
    out += kMllpCarriageReturn;
    return out;
}

MllpFramer::MllpFramer(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void MllpFramer::Feed(std::string_view bytes) {
    for (const char c : bytes) {
        switch (state_) {
            case State::kOutside:
                if (c == kMllpStartBlock) {
                    state_ = State::kInFrame;
                    skipping_garbage_ = false;
                } else if (c != '\r' && c != '\n' && !skipping_garbage_) {
                    // Reported once per run of stray bytes, without them: they may be a message sent unframed.
                    skipping_garbage_ = true;
                    ready_.emplace_back(
                        FramingError{"bytes outside an MLLP frame (before a 0x0B start block) skipped"});
                }
                break;
            case State::kInFrame:
                if (c == kMllpEndBlock) {
                    ready_.emplace_back(Frame{std::move(frame_)});
                    frame_.clear();
                    state_ = State::kOutside;
                } else if (c == kMllpStartBlock) {
                    frame_.clear();
                    ready_.emplace_back(
                        FramingError{"frame cut short by a new 0x0B start block; partial frame dropped"});
                } else if (frame_.size() >= max_frame_bytes_) {
                    frame_.clear();
                    frame_.shrink_to_fit();
                    state_ = State::kDiscarding;
                    ready_.emplace_back(FramingError{"frame longer than " + std::to_string(max_frame_bytes_) +
                                                     " bytes; discarded up to its end block"});
                } else {
                    frame_ += c;
                }
                break;
            case State::kDiscarding:
                if (c == kMllpEndBlock) {
                    state_ = State::kOutside;
                } else if (c == kMllpStartBlock) {
                    // The end block of the long frame was lost; this is the next frame.
                    state_ = State::kInFrame;
                }
                break;
        }
    }
}

std::optional<std::variant<MllpFramer::Frame, MllpFramer::FramingError>> MllpFramer::Next() {
    if (ready_.empty()) {
        return std::nullopt;
    }
    auto next = std::move(ready_.front());
    ready_.pop_front();
    return next;
}

}  // namespace carelisten::connectors::hl7
