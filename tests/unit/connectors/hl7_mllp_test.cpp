// MLLP framing: frames split anywhere across reads, several frames per read, stray bytes, over-long frames,
// and the CR after FS (tolerated when missing).
#include <gtest/gtest.h>

#include <connectors/hl7/mllp.hpp>
#include <string>
#include <vector>

namespace carelisten::connectors::hl7 {
namespace {

/// What the framer gives until it needs more bytes: payloads as they are, errors as "ERROR".
std::vector<std::string> Drain(MllpFramer& framer) {
    std::vector<std::string> out;
    while (auto next = framer.Next()) {
        if (const auto* frame = std::get_if<MllpFramer::Frame>(&*next)) {
            out.push_back(frame->payload);
        } else {
            EXPECT_FALSE(std::get<MllpFramer::FramingError>(*next).reason.empty());
            out.emplace_back("ERROR");
        }
    }
    return out;
}

const std::string kMessage = "MSH|^~\\&|A|B|C|D|20261130||ADT^A03|1|P|2.5\rPID|1||M1^^^H^MR\r";

TEST(Mllp, WrapAddsStartAndEndBlocks) {
    EXPECT_EQ(MllpWrap("MSH|x"), std::string("\x0BMSH|x\x1C\x0D"));
    EXPECT_EQ(MllpWrap(""), std::string("\x0B\x1C\x0D"));
}

TEST(Mllp, OneFrameFedByteByByte) {
    MllpFramer framer;
    const std::string wire = MllpWrap(kMessage);
    for (std::size_t i = 0; i + 2 < wire.size(); ++i) {
        framer.Feed(std::string_view(&wire[i], 1));
        EXPECT_TRUE(Drain(framer).empty()) << "output after byte " << i;
    }
    framer.Feed("\x1C");  // the frame is whole at its end block...
    EXPECT_EQ(Drain(framer), std::vector<std::string>{kMessage});
    framer.Feed("\x0D");  // ...and the CR after it is consumed silently
    EXPECT_TRUE(Drain(framer).empty());
    EXPECT_FALSE(framer.InFrame());
}

TEST(Mllp, TwoFramesInOneFeed) {
    MllpFramer framer;
    framer.Feed(MllpWrap("first") + MllpWrap("second"));
    EXPECT_EQ(Drain(framer), (std::vector<std::string>{"first", "second"}));
}

TEST(Mllp, APartialFrameWaitsForTheRest) {
    MllpFramer framer;
    framer.Feed("\x0BMSH|partial");
    EXPECT_TRUE(Drain(framer).empty());
    EXPECT_TRUE(framer.InFrame());
    EXPECT_EQ(framer.PartialBytes(), 11U);
    framer.Feed("\x1C\x0D");
    EXPECT_EQ(Drain(framer), std::vector<std::string>{"MSH|partial"});
}

TEST(Mllp, GarbageBeforeTheStartBlockIsOneErrorThenTheFrame) {
    MllpFramer framer;
    framer.Feed("GET / HTTP/1.1\r\nHost: x\r\n");
    framer.Feed("\r\n\x0B");
    framer.Feed("hello\x1C\x0D");
    EXPECT_EQ(Drain(framer), (std::vector<std::string>{"ERROR", "hello"}));
}

TEST(Mllp, TheErrorDoesNotCarryTheSkippedBytes) {
    MllpFramer framer;
    framer.Feed("PID|1||MRN100234\x0Bok\x1C\r");
    auto first = framer.Next();
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(std::holds_alternative<MllpFramer::FramingError>(*first));
    EXPECT_EQ(std::get<MllpFramer::FramingError>(*first).reason.find("MRN"), std::string::npos);
}

TEST(Mllp, AnOverLongFrameIsAnErrorAndTheNextFrameStillParses) {
    MllpFramer framer(16);
    framer.Feed("\x0B" + std::string(40, 'x'));
    EXPECT_EQ(Drain(framer), std::vector<std::string>{"ERROR"});
    EXPECT_EQ(framer.PartialBytes(), 0U);  // nothing kept of the discarded frame
    framer.Feed(std::string(1000, 'y') + "\x1C\x0D" + MllpWrap("next"));
    EXPECT_EQ(Drain(framer), std::vector<std::string>{"next"});
}

TEST(Mllp, AFrameOfExactlyTheLimitIsAccepted) {
    MllpFramer framer(16);
    framer.Feed(MllpWrap(std::string(16, 'a')) + MllpWrap(std::string(17, 'b')) + MllpWrap("c"));
    EXPECT_EQ(Drain(framer), (std::vector<std::string>{std::string(16, 'a'), "ERROR", "c"}));
}

TEST(Mllp, AMissingCrAfterTheEndBlockIsTolerated) {
    MllpFramer framer;
    framer.Feed("\x0Bone\x1C\x0Btwo\x1C\x0D\n\x0Bthree\x1C");
    EXPECT_EQ(Drain(framer), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(Mllp, ANewStartBlockInsideAFrameDropsThePartialOne) {
    MllpFramer framer;
    framer.Feed("\x0Bcut sh\x0Bwhole\x1C\x0D");
    EXPECT_EQ(Drain(framer), (std::vector<std::string>{"ERROR", "whole"}));
}

TEST(Mllp, AStartBlockEndsTheDiscardingOfAnOverLongFrame) {
    MllpFramer framer(4);
    framer.Feed("\x0Btoo long and never ended\x0Bok\x1C\x0D");
    EXPECT_EQ(Drain(framer), (std::vector<std::string>{"ERROR", "ok"}));
}

}  // namespace
}  // namespace carelisten::connectors::hl7
