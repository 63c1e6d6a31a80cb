/* bontot.h - the whole public API of the bontot library. */
#ifndef BONTOT_H
#define BONTOT_H

#include "bontot/common.h"
#include "bontot/calendar.h"
#include "bontot/records.h"
#include "bontot/rules.h"
#include "bontot/eval.h"
#include "bontot/membership.h"
#include "bontot/findings.h"
#include "bontot/event.h"
#include "bontot/store.h"
#include "bontot/text.h"
#include "bontot/staff.h"
#include "bontot/tlog.h"
#include "bontot/status.h"
#include "bontot/sync.h"
#include "bontot/audit.h"

#endif
