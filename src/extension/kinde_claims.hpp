// Every shared header of the extension at once, for a file that uses most of them. Each brings
// in pg_boundary.hpp and so postgres.h: include any pure C++ rules header (webhook_rules.hpp)
// before it.
//   settings.hpp       the GUCs
//   pg_helpers.hpp     SPI statements, the owner switch, text values, the row trigger protocol
//   catalog.hpp        where the tables are, their owner, what the SQL version has
//   token.hpp          the token object, claims comparisons, a profile row as a token
//   history.hpp        the claims history's writers
//   organizations.hpp  what the rest asks of organizations and memberships
//   write_rules.hpp    the id, org code and claims rules
#pragma once

#include "settings.hpp"
#include "pg_helpers.hpp"
#include "catalog.hpp"
#include "token.hpp"
#include "history.hpp"
#include "organizations.hpp"
#include "write_rules.hpp"
