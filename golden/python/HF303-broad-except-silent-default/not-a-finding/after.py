import ipaddress
import logging
import os

logger = logging.getLogger(__name__)

try:
    import ujson as json
except Exception:
    json = None


def logs(client):
    try:
        return client.get()
    except Exception:
        logger.exception("get failed")
        return 0


def reraises(client):
    try:
        return client.get()
    except Exception:
        raise


def narrow(client):
    try:
        return client.get()
    except (KeyError, ValueError):
        return 0


def computes_fallback(client):
    try:
        return client.get()
    except Exception:
        return client.get_cached()


def only_swallows(client):
    try:
        client.send()
    except Exception:
        pass


def swallows_a_result_nobody_defaulted(client):
    try:
        result = client.get()
    except Exception:
        pass
    return result


def reports_failure_as_a_flag(client):
    try:
        client.ping()
    except Exception:
        return False
    return True


def stops_early(client):
    try:
        value = client.get()
    except Exception:
        return
    client.put(value)


def yields(client):
    try:
        value = client.get()
    except Exception:
        return None
    yield value


def detects_a_feature():
    try:
        import yaml

        loader = yaml.CSafeLoader
    except Exception:
        loader = None
    return loader


class Connection:
    def close(self):
        try:
            flushed = self.flush()
        except Exception:
            flushed = False
        return flushed

    def __exit__(self, *exc_info):
        try:
            return self.release()
        except Exception:
            return False

    def __repr__(self):
        try:
            state = self.state()
        except Exception:
            state = "unknown"
        return f"<Connection {state}>"

    def safe_size(self):
        try:
            return self.size()
        except Exception:
            return 0

    def query(self, sql):
        try:
            return self.run(sql)
        finally:
            try:
                code = self.status()
            except Exception:
                code = None
            os.environ["LAST_STATUS"] = str(code)


def catches_its_own_exception():
    class Exception(BaseException):
        pass

    try:
        return int("x")
    except Exception:
        return 0


def remove_stale(path):
    try:
        size = os.path.getsize(path)
        os.remove(path)
    except Exception:
        size = 0
    return size


def test_rate(client):
    try:
        return client.rate()
    except Exception:
        return 0.0


class RateTests(Connection):
    def fetch(self, client):
        try:
            return client.rate()
        except Exception:
            return 0.0


def is_ipv4_subnet(cidr):
    # A predicate: the failure is its answer, no.
    try:
        return "/" in cidr and bool(ipaddress.IPv4Network(cidr))
    except Exception:
        return False


def defaults_match(stub_default, runtime_default):
    try:
        matches = bool(stub_default == runtime_default)
    except Exception:
        # Comparing may raise (numpy arrays): take them as different.
        matches = False
    return matches


def __virtual__():
    # salt's loader: False with the reason the module does not load.
    try:
        os_family = __grains__["os_family"].lower()
    except Exception:
        return (False, "Module yumpkg: no yum based system detected")
    return "pkg" if os_family == "redhat" else (False, "not a RedHat system")


def isatty(stream):
    # click's: a predicate returning another predicate's answer.
    try:
        return stream.isatty()
    except Exception:
        return False


class ParameterizedQuery:
    def _valid(self, validate, value):
        # redash's: named as a predicate, it answers with the validator's answer.
        try:
            return validate(value)
        except Exception:
            return False


def convert_args_to_str(args):
    # distributed's: a placeholder where an argument's `__repr__` raised, in a text to read.
    strs = []
    for arg in args:
        try:
            sarg = repr(arg)
        except Exception:
            sarg = "< could not convert arg to str >"
        strs.append(sarg)
    return "(" + ", ".join(strs) + ")"


class KeyspaceNotifications:
    def _is_pubsub_connected(self, pubsub) -> bool:
        # redis's: a predicate answering with a flag named as one.
        try:
            conn = pubsub.connection
            if conn is None:
                return False
            return conn.is_connected
        except Exception:
            return False


def is_in_databricks_notebook():
    # mlflow's: a predicate choosing between a call's answer and False.
    try:
        return path.startswith("/workspace") if (path := acl_path_of_acl_root()) else False
    except Exception:
        return False


def is_in_databricks_repo_notebook():
    # mlflow's: a predicate answering with a comparison and a call.
    try:
        path = get_notebook_path()
        return path is not None and path.startswith("/Repos")
    except Exception:
        return False


def try_convert(convert_func, value):
    """
    Attempt to convert from an unknown type to a specific type, using the
    given function. Return None if the conversion fails, i.e. if the function
    raises an exception.
    """
    # sentry-sdk's: the default is the documented answer on failure.
    try:
        return convert_func(value)
    except Exception:
        return None


def _parse_prompt_uri(prompt_uri):
    """
    Parse a prompt URI to extract the prompt name and version.

    Returns:
        A tuple of (prompt_name, version). Returns empty strings if parsing fails.
    """
    # mlflow's: the documented answer, returned after the handler.
    try:
        if prompt_uri.startswith("prompts:/"):
            parts = prompt_uri.replace("prompts:/", "").split("/")
            if len(parts) >= 2:
                return parts[0], parts[1]
    except Exception:
        pass
    return "", ""


def get_or_create_installation_id():
    """Return a persistent installation ID if available, otherwise generate a new one.

    This function MUST NOT raise an exception.
    """
    # mlflow's: a docstring's promise never to raise, as a `safe_*` name's.
    try:
        return load_installation_id() or create_installation_id()
    except Exception:
        return None
