/// @file
/// @brief MLLP (HL7's Minimal Lower Layer Protocol) framing: <VT 0x0B> message <FS 0x1C><CR 0x0D>. Pure: the
/// caller reads the socket and feeds the framer.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace carelisten::connectors::hl7 {

inline constexpr char kMllpStartBlock = '\x0B';
inline constexpr char kMllpEndBlock = '\x1C';
inline constexpr char kMllpCarriageReturn = '\x0D';

/// VT + message + FS + CR.
std::string MllpWrap(std::string_view message);

/// Incremental: feed bytes as they arrive from a socket, take whole frames out. A frame ends at FS; the CR
/// after it is expected but a missing one is tolerated (some senders omit it). Between frames, CR and LF are
/// ignored; any other byte before a VT is skipped and reported once per run. A VT inside a frame means the
/// sender started over: the partial frame is reported and dropped, and a new frame starts. Memory is bounded
/// by max_frame_bytes plus the frames not yet taken. Thread-safety: none; one framer per connection.
class MllpFramer {
public:
    explicit MllpFramer(std::size_t max_frame_bytes = std::size_t{1} << 20U);

    void Feed(std::string_view bytes);

    struct Frame {
        std::string payload;  ///< without VT, FS and CR; never longer than max_frame_bytes
    };
    /// Bytes outside a frame (skipped up to the next VT), a frame too long (discarded up to its end), a frame
    /// cut short by a new VT. Never holds the bytes themselves.
    struct FramingError {
        std::string reason;
    };

    /// The next complete frame, a framing error (the stream goes on after it), or nullopt when more bytes are
    /// needed.
    std::optional<std::variant<Frame, FramingError>> Next();

    /// Bytes of the frame being received (for an idle timeout that drops a half-sent frame).
    std::size_t PartialBytes() const { return frame_.size(); }
    bool InFrame() const { return state_ != State::kOutside; }

private:
    enum class State { kOutside, kInFrame, kDiscarding };

    std::size_t max_frame_bytes_;
    State state_ = State::kOutside;
    bool skipping_garbage_ = false;
    std::string frame_;
    std::deque<std::variant<Frame, FramingError>> ready_;
};

}  // namespace carelisten::connectors::hl7
