#include "exam/replay.h"

#include <fmt/format.h>

namespace exam {

std::u16string Utf8ToUtf16(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    char32_t code_point;
    int length;
    if (byte < 0x80) {
      code_point = byte;
      length = 1;
    } else if ((byte & 0xE0) == 0xC0) {
      code_point = byte & 0x1F;
      length = 2;
    } else if ((byte & 0xF0) == 0xE0) {
      code_point = byte & 0x0F;
      length = 3;
    } else {
      code_point = byte & 0x07;
      length = 4;
    }
    // Input is validated UTF-8 everywhere this runs; a truncated sequence at
    // the end becomes U+FFFD rather than reading past the end.
    if (i + length > text.size()) {
      out.push_back(u'\uFFFD');
      break;
    }
    for (int k = 1; k < length; ++k) {
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += length;
    if (code_point >= 0x10000) {
      code_point -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (code_point >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (code_point & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(code_point));
    }
  }
  return out;
}

std::string Utf16ToUtf8(std::u16string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t code_point = text[i];
    if (code_point >= 0xD800 && code_point <= 0xDBFF && i + 1 < text.size() &&
        text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      code_point = 0x10000 + ((code_point - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    } else if (code_point >= 0xD800 && code_point <= 0xDFFF) {
      // An edit split a surrogate pair; keep the text valid UTF-8.
      code_point = 0xFFFD;
    }
    if (code_point < 0x80) {
      out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
  }
  return out;
}

Replayer::Replayer(const std::map<std::string, std::string>& starters) {
  for (const auto& [key, text] : starters) {
    texts_[key] = Utf8ToUtf16(text);
  }
}

Status Replayer::Apply(const Event& event) {
  if (event.type != EventType::kEdit && event.type != EventType::kSnapshot) {
    return {};
  }
  auto found = texts_.find(event.question);
  if (found == texts_.end()) {
    return InvalidArgument(
        fmt::format("event seq {} names question \"{}\", which the exam does not have", event.seq,
                    event.question));
  }
  std::u16string& text = found->second;

  if (event.type == EventType::kSnapshot) {
    std::u16string snapshot = Utf8ToUtf16(event.text);
    if (snapshot != text) {
      // The page saw the snapshot's text, so later edits apply to it.
      mismatched_snapshots_.push_back(event.seq);
      text = std::move(snapshot);
    }
    return {};
  }

  for (const TextChange& change : event.changes) {
    if (change.to > static_cast<std::int64_t>(text.size())) {
      return InvalidArgument(fmt::format(
          "edit seq {} replaces [{}, {}) but question \"{}\" has {} UTF-16 units", event.seq,
          change.from, change.to, event.question, text.size()));
    }
  }
  // Positions refer to the text before the edit, so apply from the end.
  for (auto change = event.changes.rbegin(); change != event.changes.rend(); ++change) {
    text.replace(static_cast<std::size_t>(change->from),
                 static_cast<std::size_t>(change->to - change->from), Utf8ToUtf16(change->inserted));
  }
  return {};
}

void Replayer::ApplyAll(const std::vector<Event>& events) {
  for (const Event& event : events) {
    if (!Apply(event)) {
      failed_edits_.push_back(event.seq);
    }
  }
}

std::map<std::string, std::string> Replayer::Texts() const {
  std::map<std::string, std::string> texts;
  for (const auto& [key, text] : texts_) {
    texts[key] = Utf16ToUtf8(text);
  }
  return texts;
}

std::string Replayer::Text(const std::string& question) const {
  auto found = texts_.find(question);
  return found == texts_.end() ? std::string() : Utf16ToUtf8(found->second);
}

}  // namespace exam
