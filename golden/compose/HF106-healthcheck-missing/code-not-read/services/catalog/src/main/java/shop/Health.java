package shop;

@RestController
class Health {
    @GetMapping("/healthz")
    String healthz() { return "ok"; }
}
