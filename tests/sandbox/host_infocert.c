#include "pecsim.h"
void infocert_handle(struct sim_request *rq, struct sim_response *rs)
{
	(void)rq;
	resp_text(rs, 404, "todo");
}
