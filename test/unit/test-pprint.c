// placeholder
#include <check.h>
#include "testutil.h"
static Suite *pprint_suite(void)
{
	return suite_create("pprint");
}
int main(void)
{
	return tu_run(pprint_suite());
}
