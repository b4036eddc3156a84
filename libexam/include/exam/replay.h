// Replay: rebuilds each question's text by applying edit events in seq order
// to the question's starter code, and checks snapshots against the result.
// Edits count positions in UTF-16 code units (CodeMirror's unit), so the texts
// are kept as UTF-16 while replaying. One Replayer per exam session; not safe
// to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "exam/error.h"
#include "exam/event.h"

namespace exam {

std::u16string Utf8ToUtf16(std::string_view text);
std::string Utf16ToUtf8(std::u16string_view text);

class Replayer {
 public:
  // `starters` maps each question key to its starter code (UTF-8).
  explicit Replayer(const std::map<std::string, std::string>& starters);

  // Applies an edit, or checks a snapshot; other events change nothing.
  // Fails when an edit's range lies outside the text or names an unknown
  // question; the texts are then left as they were before the event. A
  // snapshot that differs from the replayed text is recorded as mismatched
  // and its text replaces the replayed one, because later edits were made
  // on the text that the page had.
  Status Apply(const Event& event);

  // Seqs of snapshots whose text differed from the replayed text, and of
  // edits that could not be applied.
  const std::vector<std::int64_t>& mismatched_snapshots() const { return mismatched_snapshots_; }
  const std::vector<std::int64_t>& failed_edits() const { return failed_edits_; }

  // Applies every event in order, recording failures instead of stopping, so
  // one bad edit cannot keep a student from continuing.
  void ApplyAll(const std::vector<Event>& events);

  // The current text of every question, as UTF-8.
  std::map<std::string, std::string> Texts() const;
  std::string Text(const std::string& question) const;

 private:
  std::map<std::string, std::u16string> texts_;
  std::vector<std::int64_t> mismatched_snapshots_;
  std::vector<std::int64_t> failed_edits_;
};

}  // namespace exam
