/*
 * i18n.h - internal: messages of the library go through gettext (domain
 * "bontot"), English in the code, Vietnamese in cli/po/vi.po. The
 * application binds the domain (the CLI does, in cli/main.c). Evaluation
 * reasons and holiday names are not translated: they are part of the
 * evaluation JSON, always Vietnamese.
 */
#ifndef BT_CORE_I18N_H
#define BT_CORE_I18N_H

#include <libintl.h>

#define BT_TEXT_DOMAIN "bontot"
#define BT_(s) dgettext(BT_TEXT_DOMAIN, s)
#define N_(s) (s)

#endif
