// The text of SECURITY.md, compiled in at build time so that examd serves
// the vulnerability disclosure policy that security.txt points to.
#pragma once

#include <string_view>

namespace examd {

std::string_view SecurityPolicyText();

}  // namespace examd
