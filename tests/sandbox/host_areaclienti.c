#include "pecsim.h"
void areaclienti_handle(struct sim_request *rq, struct sim_response *rs)
{
	(void)rq;
	resp_text(rs, 404, "todo");
}
