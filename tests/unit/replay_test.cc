#include "exam/replay.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using Starters = std::map<std::string, std::string>;

exam::Event MakeEdit(std::int64_t seq, const std::string& question,
                     std::vector<exam::TextChange> changes) {
  exam::Event event;
  event.seq = seq;
  event.type = exam::EventType::kEdit;
  event.question = question;
  event.changes = std::move(changes);
  return event;
}

exam::Event MakeSnapshot(std::int64_t seq, const std::string& question, const std::string& text) {
  exam::Event event;
  event.seq = seq;
  event.type = exam::EventType::kSnapshot;
  event.question = question;
  event.text = text;
  return event;
}

// Encodes code points as UTF-8, independently of the library's converters, so
// the reference replay below shares no code with the Replayer.
std::string EncodeUtf8(const std::u32string& text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// Returns the UTF-16 offset of code point `index` in `text`. Code points above
// U+FFFF take two units.
std::int64_t Utf16Offset(const std::u32string& text, std::size_t index) {
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < index; ++i) {
    offset += text[i] >= 0x10000 ? 2 : 1;
  }
  return offset;
}

}  // namespace

TEST_CASE("utf8 and utf16 round trip") {
  struct Utf16Case {
    const char* name;
    std::string utf8;
    std::u16string utf16;
  };
  const std::vector<Utf16Case> cases = {
      {"empty", "", u""},
      {"ASCII", "print('hi')\n", u"print('hi')\n"},
      {"accents", "caf\xC3\xA9 na\xC3\xAFve", u"caf\u00E9 na\u00EFve"},
      {"CJK", "\xE6\x9D\x8E\xE5\x9B\x9B", u"\u674E\u56DB"},
      {"emoji as surrogate pair", "a\xF0\x9F\x98\x80z", u"a\xD83D\xDE00z"},
      {"largest code point", "\xF4\x8F\xBF\xBF", u"\xDBFF\xDFFF"},
      {"U+FFFF", "\xEF\xBF\xBF", u"\xFFFF"},
  };
  for (const Utf16Case& c : cases) {
    CAPTURE(c.name);
    CHECK(exam::Utf8ToUtf16(c.utf8) == c.utf16);
    CHECK(exam::Utf16ToUtf8(c.utf16) == c.utf8);
  }
  CHECK(exam::Utf8ToUtf16("\xF0\x9F\x98\x80").size() == 2);
}

TEST_CASE("utf16 lone surrogate becomes replacement character") {
  CHECK(exam::Utf16ToUtf8(u"a\xD83D") == "a\xEF\xBF\xBD");
  CHECK(exam::Utf16ToUtf8(u"\xDE00z") == "\xEF\xBF\xBDz");
}

TEST_CASE("edit with several changes uses positions before edit") {
  exam::Replayer replayer(Starters{{"q1", "0123456789"}});
  // Replace "12" with "ab", delete "5", insert "XYZ" before "9".
  REQUIRE(replayer.Apply(MakeEdit(1, "q1", {{1, 3, "ab"}, {5, 6, ""}, {9, 9, "XYZ"}})).ok());
  CHECK(replayer.Text("q1") == "0ab34678XYZ9");
}

TEST_CASE("edits insert delete and replace") {
  exam::Replayer replayer(Starters{{"q1", "def f():\n    pass\n"}});

  REQUIRE(replayer.Apply(MakeEdit(1, "q1", {{0, 0, "# start\n"}})).ok());
  CHECK(replayer.Text("q1") == "# start\ndef f():\n    pass\n");

  REQUIRE(replayer.Apply(MakeEdit(2, "q1", {{26, 26, "# end\n"}})).ok());
  CHECK(replayer.Text("q1") == "# start\ndef f():\n    pass\n# end\n");

  REQUIRE(replayer.Apply(MakeEdit(3, "q1", {{0, 8, ""}})).ok());
  CHECK(replayer.Text("q1") == "def f():\n    pass\n# end\n");

  REQUIRE(replayer.Apply(MakeEdit(4, "q1", {{13, 17, "return 1"}})).ok());
  CHECK(replayer.Text("q1") == "def f():\n    return 1\n# end\n");

  CHECK(replayer.failed_edits().empty());
  CHECK(replayer.mismatched_snapshots().empty());
}

TEST_CASE("edit positions count utf16 units") {
  // U+1F600 is one code point, four UTF-8 bytes and two UTF-16 units, so "x"
  // goes in at UTF-16 offset 3, after "a", the emoji and nothing else.
  exam::Replayer replayer(Starters{{"q1", "a\xF0\x9F\x98\x80" "b\xC3\xA9"}});
  REQUIRE(replayer.Apply(MakeEdit(1, "q1", {{3, 3, "x"}})).ok());
  CHECK(replayer.Text("q1") == "a\xF0\x9F\x98\x80xb\xC3\xA9");

  // Delete the emoji (two units) and replace the "é" (one unit).
  REQUIRE(replayer.Apply(MakeEdit(2, "q1", {{1, 3, ""}, {5, 6, "e"}})).ok());
  CHECK(replayer.Text("q1") == "axbe");
}

TEST_CASE("insertions at one position keep their order") {
  exam::Replayer replayer(Starters{{"q1", "xy"}});
  REQUIRE(replayer.Apply(MakeEdit(1, "q1", {{1, 1, "a"}, {1, 1, "b"}})).ok());
  CHECK(replayer.Text("q1") == "xaby");
}

TEST_CASE("edit splitting surrogate pair stays valid UTF-8") {
  // Deleting one unit of the emoji leaves a lone surrogate, which Text()
  // writes as U+FFFD.
  exam::Replayer replayer(Starters{{"q1", "a\xF0\x9F\x98\x80"}});
  REQUIRE(replayer.Apply(MakeEdit(1, "q1", {{2, 3, ""}})).ok());
  CHECK(replayer.Text("q1") == "a\xEF\xBF\xBD");
}

TEST_CASE("edit out of range fails and keeps text") {
  exam::Replayer replayer(Starters{{"q1", "abc"}});
  // The first change is valid, the second ends past the text.
  const exam::Status status = replayer.Apply(MakeEdit(7, "q1", {{0, 1, "X"}, {2, 4, "Y"}}));
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code == exam::ErrorCode::kInvalidArgument);
  CHECK_THAT(status.error().message, Catch::Contains("seq 7"));
  CHECK_THAT(status.error().message, Catch::Contains("[2, 4)"));
  CHECK(replayer.Text("q1") == "abc");
}

TEST_CASE("edit ending at text end is in range") {
  exam::Replayer replayer(Starters{{"q1", "abc"}});
  REQUIRE(replayer.Apply(MakeEdit(1, "q1", {{3, 3, "d"}})).ok());
  CHECK(replayer.Text("q1") == "abcd");
}

TEST_CASE("edit of unknown question fails") {
  exam::Replayer replayer(Starters{{"q1", "abc"}});
  const exam::Status status = replayer.Apply(MakeEdit(2, "q9", {{0, 0, "x"}}));
  REQUIRE_FALSE(status.ok());
  CHECK_THAT(status.error().message, Catch::Contains("\"q9\""));
  CHECK(replayer.Text("q1") == "abc");
}

TEST_CASE("apply all records failed edits and continues") {
  exam::Replayer replayer(Starters{{"q1", "abc"}});
  replayer.ApplyAll({
      MakeEdit(1, "q1", {{3, 3, "d"}}),
      MakeEdit(2, "q1", {{10, 11, "lost"}}),
      MakeEdit(3, "q1", {{0, 0, ">"}}),
      MakeEdit(4, "q9", {{0, 0, "lost"}}),
      MakeEdit(5, "q1", {{5, 5, "<"}}),
  });
  CHECK(replayer.Text("q1") == ">abcd<");
  CHECK(replayer.failed_edits() == std::vector<std::int64_t>{2, 4});
  CHECK(replayer.mismatched_snapshots().empty());
}

TEST_CASE("events other than edit and snapshot change nothing") {
  exam::Replayer replayer(Starters{{"q1", "abc"}});
  exam::Event run;
  run.seq = 1;
  run.type = exam::EventType::kRun;
  run.question = "q1";
  exam::Event submit;
  submit.seq = 2;
  submit.type = exam::EventType::kSubmit;
  CHECK(replayer.Apply(run).ok());
  CHECK(replayer.Apply(submit).ok());
  CHECK(replayer.Text("q1") == "abc");
}

TEST_CASE("snapshot equal to replay is no mismatch") {
  exam::Replayer replayer(Starters{{"q1", "x = 1\n"}});
  replayer.ApplyAll({
      MakeEdit(1, "q1", {{6, 6, "\xF0\x9F\x98\x80"}}),
      MakeSnapshot(2, "q1", "x = 1\n\xF0\x9F\x98\x80"),
  });
  CHECK(replayer.mismatched_snapshots().empty());
  CHECK(replayer.failed_edits().empty());
  CHECK(replayer.Text("q1") == "x = 1\n\xF0\x9F\x98\x80");
}

TEST_CASE("snapshot different from replay is adopted") {
  exam::Replayer replayer(Starters{{"q1", "x = 1\n"}});
  replayer.ApplyAll({
      MakeSnapshot(1, "q1", "y = 2\n"),
      MakeEdit(2, "q1", {{0, 1, "z"}}),
  });
  CHECK(replayer.mismatched_snapshots() == std::vector<std::int64_t>{1});
  CHECK(replayer.failed_edits().empty());
  CHECK(replayer.Text("q1") == "z = 2\n");
}

TEST_CASE("edits on two questions stay separate") {
  exam::Replayer replayer(Starters{{"q1", "one"}, {"q2", "two"}});
  replayer.ApplyAll({
      MakeEdit(1, "q1", {{3, 3, "!"}}),
      MakeEdit(2, "q2", {{0, 3, "TWO"}}),
      MakeEdit(3, "q1", {{0, 0, "1:"}}),
  });
  const std::map<std::string, std::string> expected = {{"q1", "1:one!"}, {"q2", "TWO"}};
  CHECK(replayer.Texts() == expected);
  CHECK(replayer.Text("q1") == "1:one!");
  CHECK(replayer.Text("q2") == "TWO");
  CHECK(replayer.Text("q3").empty());
}

TEST_CASE("random edits match reference replay") {
  // Seeded, so every run replays the same edits.
  std::mt19937 random(20261204);
  const std::u32string alphabet = U"ab \n\u00E9\u674E\U0001F600\U0001F40D";
  auto pick = [&](std::size_t limit) {
    return std::uniform_int_distribution<std::size_t>(0, limit)(random);
  };
  auto random_text = [&](std::size_t max_length) {
    std::u32string text;
    const std::size_t length = pick(max_length);
    for (std::size_t i = 0; i < length; ++i) {
      text.push_back(alphabet[pick(alphabet.size() - 1)]);
    }
    return text;
  };

  // The reference keeps code points and applies each change from the start,
  // shifting later positions by what earlier changes added or removed.
  std::u32string reference = U"def f():\n    return \U0001F600\n";
  exam::Replayer replayer(Starters{{"q1", EncodeUtf8(reference)}});

  for (std::int64_t seq = 1; seq <= 2000; ++seq) {
    // Sorted, non-overlapping code point ranges on the text before the edit.
    std::vector<std::size_t> bounds;
    const std::size_t change_count = 1 + pick(3);
    for (std::size_t i = 0; i < 2 * change_count; ++i) {
      bounds.push_back(pick(reference.size()));
    }
    std::sort(bounds.begin(), bounds.end());

    std::vector<exam::TextChange> changes;
    std::u32string next = reference;
    std::int64_t shift = 0;
    for (std::size_t i = 0; i < change_count; ++i) {
      const std::size_t from = bounds[2 * i];
      const std::size_t to = bounds[2 * i + 1];
      const std::u32string inserted = random_text(to == from ? 6 : 3);
      changes.push_back({Utf16Offset(reference, from), Utf16Offset(reference, to), EncodeUtf8(inserted)});
      next.replace(static_cast<std::size_t>(static_cast<std::int64_t>(from) + shift), to - from, inserted);
      shift += static_cast<std::int64_t>(inserted.size()) - static_cast<std::int64_t>(to - from);
    }
    reference = next;

    const exam::Status status = replayer.Apply(MakeEdit(seq, "q1", changes));
    INFO("seq " << seq);
    REQUIRE(status.ok());
    REQUIRE(replayer.Text("q1") == EncodeUtf8(reference));
  }
  CHECK(replayer.failed_edits().empty());
}
